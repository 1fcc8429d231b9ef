# Run directly: julia --project=julia julia/test/runtests.jl
# (Pkg.test() wants a package registry, which these machines cannot reach.)
using Test
using PyRef

"""numpy's own outputs for the tests: \$PYREF_ORACLE_DIR (set by `pyref julia test`),
else written once now by pyref.parity.oracle (\$PYTHON, default python3)."""
const ORACLE_DIR = let dir = get(ENV, "PYREF_ORACLE_DIR", "")
    if isempty(dir)
        dir = mktempdir()
        python = get(ENV, "PYTHON", "python3")
        run(`$python -c "from pyref.parity.oracle import write_oracle; write_oracle('$dir')"`)
    end
    dir
end

@testset "PyRef" begin
    for file in sort(readdir(@__DIR__))
        if startswith(file, "test_") && endswith(file, ".jl")
            @testset "$file" begin
                include(joinpath(@__DIR__, file))
            end
        end
    end
end

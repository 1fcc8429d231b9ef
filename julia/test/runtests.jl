# Run directly: julia --project=julia julia/test/runtests.jl
# (Pkg.test() wants a package registry, which these machines cannot reach.)
# One file per component of julia/src, named after it; one alone:
#   julia --project=julia -e 'using Test, PyRef; include("julia/test/shared.jl"); include("julia/test/test_nets.jl")'
using Test
using PyRef

include(joinpath(@__DIR__, "shared.jl"))

@testset "PyRef" begin
    for file in sort(readdir(@__DIR__))
        if startswith(file, "test_") && endswith(file, ".jl")
            @testset "$file" begin
                include(joinpath(@__DIR__, file))
            end
        end
    end
end

# Run directly: julia --project=julia julia/test/runtests.jl
# (Pkg.test() wants a package registry, which these machines cannot reach.)
using Test
using PyRef

@testset "PyRef" begin
    for file in sort(readdir(@__DIR__))
        if startswith(file, "test_") && endswith(file, ".jl")
            @testset "$file" begin
                include(joinpath(@__DIR__, file))
            end
        end
    end
end

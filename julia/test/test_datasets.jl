# datasets.jl's RowBatcher: minibatches gathered as the layers take them.
using Test
using PyRef

@testset "RowBatcher gathers rows exactly" begin
    x = rand(Float32, 50, 9)
    b = PyRef.RowBatcher(x)
    for idx in ([3, 3, 50, 1], collect(1:50), [7])
        xb = PyRef.batch!(b, idx)
        @test xb == Float64.(x[idx, :]) && eltype(xb) == Float64 && size(xb) == (length(idx), 9)
    end
    @test_throws BoundsError PyRef.batch!(b, [51])
    @test_throws BoundsError PyRef.batch!(b, [0])
    # the batch is float64 already: the layers use it as it is, without a copy
    xb = PyRef.batch!(b, [2, 4])
    @test PyRef._tofloat(xb) === xb
    @test PyRef._tofloat(transpose(Float32[1 2; 3 4])) == transpose([1.0 2.0; 3.0 4.0])
end

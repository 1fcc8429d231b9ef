# functions.jl and the numpy reductions under it, on pyref's inputs (shared.jl's ref):
# `===` where the arithmetic is elementwise, relative 1e-12 for smooth_curve.
using Test
using PyRef

@testset "functions and reductions are bit-identical to numpy" begin
    x = ref("x")
    t = ref("t")
    @test bits_equal(PyRef.softmax(x), ref("softmax"))
    @test PyRef.cross_entropy_error(PyRef.softmax(x), t) === ref("ce")
    big = ref("big")
    @test PyRef.np_sum(big .* big) === ref("big_sum")
    @test bits_equal(PyRef.sum_rows(big), ref("big_sum0"))
    @test close12(PyRef.smooth_curve(ref("smooth_in")), ref("smooth"))
end

@testset "one-hot labels are told by their size and must have y's shape" begin
    y = [0.1 0.2 0.7; 0.3 0.3 0.4]
    t = [0.0 0.0 1.0; 1.0 0.0 0.0]
    @test PyRef.cross_entropy_error(y, t) == PyRef.cross_entropy_error(y, [2, 0])
    @test_throws DimensionMismatch PyRef.cross_entropy_error(y, permutedims(t))   # y's size, not its shape
    @test_throws DimensionMismatch PyRef.cross_entropy_error(y, vec(t))
    # one sample: t of y's size in any shape, as the book reshapes it to one row
    @test PyRef.cross_entropy_error(y[1, :], t[1, :]) == PyRef.cross_entropy_error(y[1, :], reshape(t[1, :], :, 1)) ==
          PyRef.cross_entropy_error(y[1:1, :], [2])
end

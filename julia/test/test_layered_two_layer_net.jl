# Chapter 5's TwoLayerNet of layers in PyRef: its draws, its formulas, backpropagation
# against central differences, the book's in-place update, the argument checks.
# Agreement with pyref bit for bit is `pyref parity`'s section 5.
using Test
using PyRef
const NR5 = PyRef.NumpyRandom

@testset "LayeredTwoLayerNet" begin
    net = LayeredTwoLayerNet(784, 50, 10; rng=NR5.RandomState(7))
    rs = NR5.RandomState(7)
    @test net.params["W1"] == permutedims(reshape(0.01 .* NR5.randn(rs, 784 * 50), 50, 784))   # numpy's C order
    @test net.params["W2"] == 0.01 .* NR5.randn(rs, 50, 10)
    @test net.params["b1"] == zeros(50) && net.params["b2"] == zeros(10)
    @test net.affine1.W === net.params["W1"] && net.affine2.b === net.params["b2"]

    rs = NR5.RandomState(1)
    x = NR5.randn(rs, 6, 5)
    t = NR5.randint(rs, 0, 3, 6)
    net = LayeredTwoLayerNet(5, 4, 3, 1.0; rng=NR5.RandomState(2))
    p = net.params
    scores = max.(x * p["W1"] .+ p["b1"]', 0.0) * p["W2"] .+ p["b2"]'
    @test predict(net, x) ≈ scores rtol = 1e-12
    y = exp.(scores .- maximum(scores; dims=2))
    y ./= sum(y; dims=2)
    @test loss(net, x, t) ≈ -sum(log(y[i, t[i] + 1] + 1e-7) for i in 1:6) / 6 rtol = 1e-12
    @test accuracy(net, x, t) == count(i -> argmax(scores[i, :]) - 1 == t[i], 1:6) / 6

    net = LayeredTwoLayerNet(5, 4, 3, 1.0; rng=NR5.RandomState(5))   # pyref's test's net
    g = gradient(net, x[1:4, :], t[1:4])
    num = numerical_gradient(net, x[1:4, :], t[1:4])
    for k in PyRef.TWO_LAYER_PARAM_NAMES
        @test size(g[k]) == size(net.params[k])
        @test g[k] ≈ num[k] rtol = 1e-4 atol = 1e-6
    end
    before = loss(net, x, t)
    for _ in 1:20
        grad = gradient(net, x, t)
        for k in PyRef.TWO_LAYER_PARAM_NAMES
            net.params[k] .-= 0.1 .* grad[k]
        end
    end
    @test loss(net, x, t) < before
end

@testset "LayeredTwoLayerNet: checks" begin
    @test_throws ArgumentError LayeredTwoLayerNet(0, 3, 2)
    @test_throws ArgumentError LayeredTwoLayerNet(4, 3, 1)
    @test_throws ArgumentError LayeredTwoLayerNet(4, 3, 2, -0.1)
    net = LayeredTwoLayerNet(5, 4, 3; rng=NR5.RandomState(0))
    @test_throws DimensionMismatch predict(net, zeros(2, 4))
    @test_throws ArgumentError predict(net, zeros(2, 5, 1))
    @test_throws DimensionMismatch loss(net, zeros(2, 5), [0])
end

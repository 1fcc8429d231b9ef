# The nets of chapters 3 and 4 (twin of tests/test_simple_nets.py): the book's formulas
# restated, draws in numpy's order, checks naming the argument.
using Test
using PyRef
const NRS = PyRef.NumpyRandom

@testset "simple nets" begin
    rs = NRS.RandomState(1)
    network = Dict{String,Any}("W1" => NRS.randn(rs, 4, 3), "b1" => NRS.randn(rs, 3), "W2" => NRS.randn(rs, 3, 2),
                               "b2" => NRS.randn(rs, 2), "W3" => NRS.randn(rs, 2, 5), "b3" => NRS.randn(rs, 5))
    x = NRS.randn(rs, 6, 4)
    y = predict(network, x)
    s(v) = 1 ./ (1 .+ exp.(-v))
    z = s(s(x * network["W1"] .+ network["b1"]') * network["W2"] .+ network["b2"]') * network["W3"] .+ network["b3"]'
    want = exp.(z .- maximum(z; dims=2)) ./ sum(exp.(z .- maximum(z; dims=2)); dims=2)
    @test size(y) == (6, 5) && isapprox(y, want; rtol=1e-12)
    # One sample through gemv, the batch through gemm: equal up to BLAS rounding.
    @test size(predict(network, x[2, :])) == (5,) && isapprox(predict(network, x[2, :]), y[2, :]; rtol=1e-14)
    @test_throws ArgumentError check_network(Dict("W1" => zeros(2, 2)))
    @test_throws DimensionMismatch predict(network, zeros(2, 3))

    net = SimpleNet(; rng=NRS.RandomState(0))
    @test net.W == NRS.randn(NRS.RandomState(0), 2, 3)
    xs, t = [0.6, 0.9], [0, 0, 1]
    l = loss(net, xs, t)
    p = xs' * net.W
    @test isapprox(l, -log(exp(p[3] - maximum(p)) / sum(exp.(p .- maximum(p))) + 1e-7); rtol=1e-12)

    tl = SigmoidTwoLayerNet(5, 4, 3; rng=NRS.RandomState(2))
    r2 = NRS.RandomState(2)
    @test tl.params["W1"] == 0.01 .* NRS.randn(r2, 5, 4) && tl.params["W2"] == 0.01 .* NRS.randn(r2, 4, 3)
    xb = NRS.randn(NRS.RandomState(3), 7, 5)
    tb = zeros(7, 3); for i in 1:7; tb[i, mod(i, 3) + 1] = 1.0; end
    g = gradient(tl, xb, tb)
    ng = numerical_gradient(tl, xb, tb)
    for k in ("W1", "b1", "W2", "b2")
        @test size(g[k]) == size(tl.params[k]) && isapprox(g[k], ng[k]; atol=1e-7)
    end
    @test 0 <= accuracy(tl, xb, tb) <= 1
    @test_throws ArgumentError accuracy(tl, xb, [0, 1, 2, 0, 1, 2, 0])
    @test_throws DimensionMismatch predict(tl, zeros(2, 4))
    @test_throws ArgumentError SigmoidTwoLayerNet(5, 0, 3)
end

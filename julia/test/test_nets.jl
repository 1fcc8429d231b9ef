# nets.jl: MultiLayerNetExtend's initial weights (exact) and gradients (relative 1e-12,
# through BLAS) against pyref's (shared.jl's ref), and against numerical gradients.
using Test
using PyRef

@testset "nets follow pyref's draws" begin
    xs, ts = ref("xs"), ref("ts")
    net = MultiLayerNetExtend(20, [8, 6], 10; use_batchnorm=true, use_dropout=true, dropout_ratio=0.2,
                              weight_decay_lambda=0.05, rng=NumpyRandom.RandomState(3))
    @test bits_equal(net.params["W1"], ref("net_W1"))   # initial weights: exact
    @test bits_equal(net.params["W3"], ref("net_W3"))
    g = gradient(net, xs[1:10, :], ts[1:10])
    for key in ("W1", "b2", "gamma1", "beta2", "W3")
        @test close12(g[key], ref("net_grad_$key"))     # through BLAS
    end
    @test close12([loss(net, xs[1:10, :], ts[1:10])], [ref("net_loss")])
    # Type stability of the hot path.
    @test @inferred(loss(net, xs[1:10, :], ts[1:10])) isa Float64
    @test @inferred(gradient(net, xs[1:10, :], ts[1:10])) isa PyRef.Params
    @test @inferred(accuracy(net, xs[1:10, :], ts[1:10])) isa Float64
    @test @inferred(update!(SGD(), net.params, g)) === nothing
end

@testset "gradients against numerical gradients" begin
    rng = NumpyRandom.RandomState(11)
    x = NumpyRandom.rand(rng, 4, 6)
    t = NumpyRandom.randint(rng, 0, 10, 4)
    for (kw, tol) in (((activation="tanh", weight_decay_lambda=0.1), 1e-5),
                      ((use_batchnorm=true, weight_decay_lambda=0.05, weight_decay="l1"), 1e-4))
        net = MultiLayerNetExtend(6, [5, 4], 10; rng=NumpyRandom.RandomState(2), kw...)
        for k in keys(net.params)
            startswith(k, "W") && (net.params[k][abs.(net.params[k]) .< 1e-3] .= 1e-2)
        end
        bp = gradient(net, x, t)
        num = numerical_gradient(net, x, t)
        for k in keys(num)
            @test maximum(abs.(bp[k] .- num[k])) < tol
        end
    end
    @test_throws DimensionMismatch loss(MultiLayerNet(6, [5], 10), zeros(2, 5), [0, 1])
    @test_throws ArgumentError loss(MultiLayerNet(6, [5], 10), zeros(2, 6), [0, 10])
    @test_throws ArgumentError MultiLayerNet(6, [5], 10; activation="softplus")
end

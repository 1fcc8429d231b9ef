# Every PyRef component replayed on pyref's inputs and compared with pyref's outputs
# (written by pyref.parity.oracle.write_components): `===` where the arithmetic is
# elementwise, relative 1e-12 where a BLAS matrix product is involved.
using Test
using PyRef
const NR2 = PyRef.NumpyRandom

ref(name) = (a = read_npy(joinpath(ORACLE_DIR, "comp_$name.npy")); ndims(a) == 0 ? a[] : a)
bits_equal(a, b) = size(a) == size(b) && all(x -> x[1] === x[2], zip(a, b))
# Relative 1e-12, plus 1e-14 absolute for entries that are mathematically zero and
# numerically cancellation noise (e.g. the bias gradient before a BatchNorm layer).
close12(a, b) = size(a) == size(b) && all(x -> abs(x[1] - x[2]) <= 1e-12 * max(abs(x[1]), abs(x[2])) + 1e-14, zip(a, b))

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

@testset "layers on given inputs" begin
    x = ref("x")
    for (name, L) in (("Sigmoid", Sigmoid), ("Relu", Relu))
        layer = L()
        @test bits_equal(forward(layer, x), ref("$(name)_fwd"))
        @test bits_equal(backward(layer, x .* 0.5), ref("$(name)_bwd"))
    end
    bn = BatchNormalization(copy(ref("gamma")), copy(ref("beta")))
    @test bits_equal(forward(bn, x, true), ref("bn_fwd"))
    @test bits_equal(backward(bn, x .* 0.25), ref("bn_bwd"))
    @test bits_equal(bn.dgamma, ref("bn_dgamma"))
    @test bits_equal(bn.running_var, ref("bn_running_var"))
    @test bits_equal(forward(bn, x, false), ref("bn_test"))
    drop = Dropout(0.3; rng=NR2.RandomState(8))
    @test bits_equal(forward(drop, x, true), ref("dropout"))
    @test @inferred(forward(Relu(), x)) isa Matrix{Float64}
end

@testset "optimizers: trajectories bit-identical" begin
    p0, grads = ref("p0"), ref("grads")
    for name in ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
        params = PyRef.Params("w" => copy(p0))
        opt = make_optimizer(name)
        for k in 1:size(grads, 1)
            update!(opt, params, PyRef.Params("w" => grads[k, :, :]))
        end
        @test bits_equal(params["w"], ref("opt_$name"))
    end
    @test_throws ArgumentError SGD(lr=0)
    @test_throws ArgumentError make_optimizer("adamw")
    @test_throws DimensionMismatch update!(SGD(), PyRef.Params("w" => zeros(2)), PyRef.Params("w" => zeros(3)))
end

@testset "every optimizer constructor checks its hyperparameters, positional ones too" begin
    for bad in (() -> SGD(-1.0), () -> SGD(0), () -> SGD(NaN), () -> SGD(true),
                () -> Momentum(-1.0, 0.9), () -> Momentum(0.1, 1.0), () -> Nesterov(0.1, -0.1),
                () -> AdaGrad(0.1, 0.0), () -> AdaGrad(Inf), () -> RMSprop(0.1, 1.5), () -> RMSprop(0.1, 0.9, -1.0),
                () -> Adam(0.0), () -> Adam(0.1, 1.0), () -> Adam(0.1, 0.9, -0.1), () -> Adam(0.1, 0.9, 0.999, 0.0),
                () -> Adam(0.1, 0.9, 0.999, 1e-7, "adamw"), () -> Adam(0.1, 0.9, 0.999, 1e-7, "paper", -1),
                () -> Momentum(lr=-1.0), () -> Adam(form="Paper2"))
        @test_throws ArgumentError bad()
    end
    @test SGD(0.5).lr == 0.5 && Adam(0.1, 0.8, 0.9, 1e-8, "PAPER").form == "paper"
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

@testset "nets, trainer and search follow pyref's draws" begin
    xs, ts = ref("xs"), ref("ts")
    net = MultiLayerNetExtend(20, [8, 6], 10; use_batchnorm=true, use_dropout=true, dropout_ratio=0.2,
                              weight_decay_lambda=0.05, rng=NR2.RandomState(3))
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
    rng = NR2.RandomState(4)
    net2 = MultiLayerNetExtend(20, [8, 6], 10; use_dropout=true, dropout_ratio=0.2, rng=rng)
    tr = Trainer(net2, xs, ts, xs[1:20, :], ts[1:20]; epochs=3, mini_batch_size=16, optimizer="adam",
                 optimizer_param=Dict("lr" => 0.01), verbose=false, rng=rng)
    train!(tr)
    @test maximum(abs.(tr.train_loss_list .- ref("trainer_loss"))) < 1e-9
    @test tr.train_acc_list == ref("trainer_acc")
    found = random_search(xs, ts; trials=3, epochs=2, hidden=[5, 5], rng=NR2.RandomState(5))
    hp = ref("search_hp")
    @test all(found[i].weight_decay === hp[i, 1] && found[i].lr === hp[i, 2] for i in 1:3)
    @test all(found[i].val_acc_list == ref("search_val")[i, :] for i in 1:3)
    h = activation_histogram("sigmoid", "xavier"; rng=NR2.RandomState(6))
    @test h["counts"] == ref("hist_counts")
end

@testset "gradients against numerical gradients" begin
    rng = NR2.RandomState(11)
    x = NR2.rand(rng, 4, 6)
    t = NR2.randint(rng, 0, 10, 4)
    for (kw, tol) in (((activation="tanh", weight_decay_lambda=0.1), 1e-5),
                      ((use_batchnorm=true, weight_decay_lambda=0.05, weight_decay="l1"), 1e-4))
        net = MultiLayerNetExtend(6, [5, 4], 10; rng=NR2.RandomState(2), kw...)
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

@testset "experiments run and the naive one matches pyref exactly" begin
    r = optimizer_compare_naive()
    @test length(r["paths"]["SGD"]["x"]) == 30 && r["paths"]["SGD"]["x"][1] == -7.0
    xs, ts = ref("xs"), ref("ts")
    data = ((xs, ts), (xs[1:20, :], ts[1:20]))
    @test length(optimizer_compare_mnist(data; iterations=3, batch_size=8, hidden=[5])["train_loss"]["Adam"]) == 3
    @test length(batch_norm_test(data; train_samples=40, max_epochs=2, scales=2, hidden=[5])["bn_train_acc"]) == 2
    @test length(overfit_dropout(data; train_samples=30, epochs=2, hidden=[5])["variants"]["dropout"]["train_acc"]) == 2
    @test length(gradient_vanishing(data; epochs=1)["configs"]) == 3
    @test length(hyperparameter_optimization(data; train_samples=50, trials=2, epochs=1)["trials"]) == 2
end

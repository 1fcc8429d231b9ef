# optimizers.jl: every optimizer's trajectory on pyref's gradients (shared.jl's ref),
# bit for bit, and the checks of its hyperparameters.
using Test
using PyRef

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

# PyRef.CS231n against the assignment's published checks (FullyConnectedNets.ipynb,
# BatchNormalization.ipynb, Dropout.ipynb, 2019), as tests/cs231n/ checks pyref.cs231n;
# each testset names its cell. Inputs are drawn from numpy's stream as the notebooks do.
using Test
using PyRef

const CS = PyRef.CS231n
const CSR = PyRef.NumpyRandom

"""The notebooks' relative error: max |x − y| / max(1e-8, |x| + |y|)."""
cs231n_rel_error(x, y) = maximum(abs.(x .- y) ./ max.(1e-8, abs.(x) .+ abs.(y)))
"""numpy's `np.linspace(a, b, num=n).reshape(dims)` (C order), to the last bits of Julia's range."""
cs231n_linspace(a, b, n, dims...) =
    permutedims(reshape(collect(range(a, b; length=n)), reverse(dims)...), length(dims):-1:1)
cs231n_randn(dims...) = CSR.randn(CSR.global_state(), dims...)
cs231n_seed(s) = CSR.seed!(CSR.global_state(), s)
"""The notebooks' gradient check of every parameter of a model."""
function cs231n_grad_errors(model, X, y)
    _, grads = CS.loss(model, X, y)
    return Dict(name => cs231n_rel_error(CS.eval_numerical_gradient(_ -> CS.loss(model, X, y)[1], model.params[name];
                                                                     verbose=false, h=1e-5), grads[name])
                for name in sort(collect(keys(grads))))
end

@testset "affine_forward: the published correct_out" begin
    # FullyConnectedNets.ipynb, "Test the affine_forward function": around e-9 or less.
    x = cs231n_linspace(-0.1, 0.5, 240, 2, 4, 5, 6)
    w = cs231n_linspace(-0.2, 0.3, 360, 120, 3)
    b = collect(range(-0.3, 0.1; length=3))
    out, cache = CS.affine_forward(x, w, b)
    @test cs231n_rel_error(out, [1.49834967 1.70660132 1.91485297; 3.25553199 3.5141327 3.77273342]) < 1e-9
    @test cache[1] === x && cache[2] === w && cache[3] === b
end

@testset "affine, relu and affine_relu backward: numerical gradients" begin
    # FullyConnectedNets.ipynb, affine_backward / relu_backward / affine_relu cells.
    cs231n_seed(231)
    x, w, b, dout = cs231n_randn(10, 2, 3), cs231n_randn(6, 5), cs231n_randn(5), cs231n_randn(10, 5)
    dx, dw, db = CS.affine_backward(dout, CS.affine_forward(x, w, b)[2])
    @test size(dx) == size(x)
    @test cs231n_rel_error(CS.eval_numerical_gradient_array(v -> CS.affine_forward(v, w, b)[1], x, dout), dx) < 1e-9
    @test cs231n_rel_error(CS.eval_numerical_gradient_array(v -> CS.affine_forward(x, v, b)[1], w, dout), dw) < 1e-9
    @test cs231n_rel_error(CS.eval_numerical_gradient_array(v -> CS.affine_forward(x, w, v)[1], b, dout), db) < 1e-9
    x = cs231n_linspace(-0.5, 0.5, 12, 3, 4)
    @test cs231n_rel_error(CS.relu_forward(x)[1], [0.0 0.0 0.0 0.0; 0.0 0.0 0.04545455 0.13636364;
                                                   0.22727273 0.31818182 0.40909091 0.5]) < 1e-7
    cs231n_seed(231)
    x, dout = cs231n_randn(10, 10), cs231n_randn(10, 10)
    dx = CS.relu_backward(dout, CS.relu_forward(x)[2])
    @test cs231n_rel_error(CS.eval_numerical_gradient_array(v -> CS.relu_forward(v)[1], x, dout), dx) < 1e-11
    cs231n_seed(231)
    x, w, b, dout = cs231n_randn(2, 3, 4), cs231n_randn(12, 10), cs231n_randn(10), cs231n_randn(2, 10)
    dx, dw, db = CS.affine_relu_backward(dout, CS.affine_relu_forward(x, w, b)[2])
    @test cs231n_rel_error(CS.eval_numerical_gradient_array(v -> CS.affine_relu_forward(v, w, b)[1], x, dout), dx) < 1e-9
    @test cs231n_rel_error(CS.eval_numerical_gradient_array(v -> CS.affine_relu_forward(x, v, b)[1], w, dout), dw) < 1e-9
end

@testset "svm_loss and softmax_loss: the published losses" begin
    # FullyConnectedNets.ipynb, loss layers: 8.999602749096233 and 2.302545844500738.
    cs231n_seed(231)
    x = 0.001 .* cs231n_randn(50, 10)
    y = CSR.randint(CSR.global_state(), 0, 10, 50)
    loss, dx = CS.svm_loss(x, y)
    @test abs(loss - 8.999602749096233) < 1e-12
    @test cs231n_rel_error(CS.eval_numerical_gradient(v -> CS.svm_loss(v, y)[1], x; verbose=false), dx) < 1e-8
    loss, dx = CS.softmax_loss(x, y)
    @test abs(loss - 2.302545844500738) < 1e-12
    @test cs231n_rel_error(CS.eval_numerical_gradient(v -> CS.softmax_loss(v, y)[1], x; verbose=false), dx) < 1e-7
end

@testset "batchnorm and layernorm: published statistics and gradients" begin
    # BatchNormalization.ipynb, test-time forward cell: means [-0.03927354 -0.04349152 -0.10452688],
    # stds [1.01531428 1.01238373 0.97819988].
    cs231n_seed(231)
    W1, W2 = cs231n_randn(50, 60), cs231n_randn(60, 3)
    bn_param = Dict{String,Any}("mode" => "train")
    for _ in 1:50
        a = PyRef.np_dot(max.(0, PyRef.np_dot(cs231n_randn(200, 50), W1)), W2)
        CS.batchnorm_forward(a, ones(3), zeros(3), bn_param)
    end
    bn_param["mode"] = "test"
    a = PyRef.np_dot(max.(0, PyRef.np_dot(cs231n_randn(200, 50), W1)), W2)
    a_norm, _ = CS.batchnorm_forward(a, ones(3), zeros(3), bn_param)
    means = vec(sum(a_norm; dims=1)) ./ 200
    stds = sqrt.(vec(sum((a_norm .- means') .^ 2; dims=1)) ./ 200)
    @test maximum(abs.(means .- [-0.03927354, -0.04349152, -0.10452688])) < 1e-8
    @test maximum(abs.(stds .- [1.01531428, 1.01238373, 0.97819988])) < 1e-8
    # BatchNormalization.ipynb, batchnorm and layernorm backward cells: errors below 1e-8.
    for (fwd, bwd, param) in ((CS.batchnorm_forward, CS.batchnorm_backward, Dict{String,Any}("mode" => "train")),
                              (CS.batchnorm_forward, CS.batchnorm_backward_alt, Dict{String,Any}("mode" => "train")),
                              (CS.layernorm_forward, CS.layernorm_backward, Dict{String,Any}()))
        cs231n_seed(231)
        x = 5 .* cs231n_randn(4, 5) .+ 12
        gamma, beta, dout = cs231n_randn(5), cs231n_randn(5), cs231n_randn(4, 5)
        dx, dgamma, dbeta = bwd(dout, fwd(x, gamma, beta, param)[2])
        @test cs231n_rel_error(CS.eval_numerical_gradient_array(v -> fwd(v, gamma, beta, param)[1], x, dout), dx) < 1e-8
        @test cs231n_rel_error(CS.eval_numerical_gradient_array(v -> fwd(x, v, beta, param)[1], copy(gamma), dout), dgamma) < 1e-8
        @test cs231n_rel_error(CS.eval_numerical_gradient_array(v -> fwd(x, gamma, v, param)[1], copy(beta), dout), dbeta) < 1e-8
    end
end

@testset "dropout: the published statistics and gradient" begin
    # Dropout.ipynb, dropout_forward cell: zero fractions 0.749784, 0.600796, 0.30074.
    cs231n_seed(231)
    x = cs231n_randn(500, 500) .+ 10
    for (p, mean, zeros_) in ((0.25, 10.014059116977283, 0.749784), (0.4, 9.977917658761159, 0.600796),
                              (0.7, 9.987811912159426, 0.30074))
        out, _ = CS.dropout_forward(x, Dict{String,Any}("mode" => "train", "p" => p))
        @test abs(sum(out) / length(out) - mean) < 1e-9
        @test count(==(0), out) / length(out) == zeros_
        @test CS.dropout_forward(x, Dict{String,Any}("mode" => "test", "p" => p))[1] == x
    end
    # Dropout.ipynb, dropout_backward cell: around e-10 or less.
    cs231n_seed(231)
    x = cs231n_randn(10, 10) .+ 10
    dout = cs231n_randn(10, 10)
    param = Dict{String,Any}("mode" => "train", "p" => 0.2, "seed" => 123)
    dx = CS.dropout_backward(dout, CS.dropout_forward(x, param)[2])
    @test cs231n_rel_error(CS.eval_numerical_gradient_array(v -> CS.dropout_forward(v, param)[1], x, dout), dx) < 1e-10
end

@testset "update rules: the published arrays" begin
    # FullyConnectedNets.ipynb, SGD+Momentum, RMSProp and Adam cells.
    w, dw = cs231n_linspace(-0.4, 0.6, 20, 4, 5), cs231n_linspace(-0.6, 0.4, 20, 4, 5)
    config = Dict{String,Any}("learning_rate" => 1e-3, "velocity" => cs231n_linspace(0.6, 0.9, 20, 4, 5))
    next_w, _ = CS.sgd_momentum(w, dw, config)
    @test cs231n_rel_error(next_w, [0.1406 0.20738947 0.27417895 0.34096842 0.40775789;
                                    0.47454737 0.54133684 0.60812632 0.67491579 0.74170526;
                                    0.80849474 0.87528421 0.94207368 1.00886316 1.07565263;
                                    1.14244211 1.20923158 1.27602105 1.34281053 1.4096]) < 1e-8
    @test cs231n_rel_error(config["velocity"], [0.5406 0.55475789 0.56891579 0.58307368 0.59723158;
                                                0.61138947 0.62554737 0.63970526 0.65386316 0.66802105;
                                                0.68217895 0.69633684 0.71049474 0.72465263 0.73881053;
                                                0.75296842 0.76712632 0.78128421 0.79544211 0.8096]) < 1e-8
    config = Dict{String,Any}("learning_rate" => 1e-2, "cache" => cs231n_linspace(0.6, 0.9, 20, 4, 5))
    next_w, _ = CS.rmsprop(w, dw, config)
    @test cs231n_rel_error(next_w, [-0.39223849 -0.34037513 -0.28849239 -0.23659121 -0.18467247;
                                    -0.132737 -0.08078555 -0.02881884 0.02316247 0.07515774;
                                    0.12716641 0.17918792 0.23122175 0.28326742 0.33532447;
                                    0.38739248 0.43947102 0.49155973 0.54365823 0.59576619]) < 1e-7
    config = Dict{String,Any}("learning_rate" => 1e-2, "m" => cs231n_linspace(0.6, 0.9, 20, 4, 5),
                              "v" => cs231n_linspace(0.7, 0.5, 20, 4, 5), "t" => 5)
    next_w, _ = CS.adam(w, dw, config)
    @test cs231n_rel_error(next_w, [-0.40094747 -0.34836187 -0.29577703 -0.24319299 -0.19060977;
                                    -0.1380274 -0.08544591 -0.03286534 0.01971428 0.0722929;
                                    0.1248705 0.17744702 0.23002243 0.28259667 0.33516969;
                                    0.38774145 0.44031188 0.49288093 0.54544852 0.59801459]) < 2e-7
    @test config["t"] == 6 && config["beta2"] == 0.999
    @test_throws ArgumentError CS.sgd(w, dw, Dict{String,Any}("lr" => 1e-3))
    @test_throws ArgumentError CS.adam(w, dw, Dict{String,Any}("velocity" => w))
    @test_throws DimensionMismatch CS.sgd(w, dw[1:2, :])
end

@testset "TwoLayerNet: the published scores and losses" begin
    # FullyConnectedNets.ipynb, TwoLayerNet cell: losses 3.4702243556 and 26.5948426952 within 1e-10.
    cs231n_seed(231)
    N, D, H, C = 3, 5, 50, 7
    model = CS.TwoLayerNet(; input_dim=D, hidden_dim=H, num_classes=C, weight_scale=1e-3)
    model.params["W1"] = cs231n_linspace(-0.7, 0.3, D * H, D, H)
    model.params["b1"] = collect(range(-0.1, 0.9; length=H))
    model.params["W2"] = cs231n_linspace(-0.3, 0.4, H * C, H, C)
    model.params["b2"] = collect(range(-0.9, 0.1; length=C))
    X = permutedims(cs231n_linspace(-5.5, 4.5, N * D, D, N))
    correct_scores = [11.53165108 12.2917344 13.05181771 13.81190102 14.57198434 15.33206765 16.09215096;
                      12.05769098 12.74614105 13.43459113 14.1230412 14.81149128 15.49994135 16.18839143;
                      12.58373087 13.20054771 13.81736455 14.43418138 15.05099822 15.66781506 16.2846319]
    @test sum(abs.(CS.loss(model, X) .- correct_scores)) < 1e-6
    y = [0, 5, 1]
    @test abs(CS.loss(model, X, y)[1] - 3.4702243556) < 1e-10
    model.reg = 1.0
    @test abs(CS.loss(model, X, y)[1] - 26.5948426952) < 1e-10
    model.reg = 0.7
    @test maximum(values(cs231n_grad_errors(model, X, y))) < 1e-6
end

@testset "FullyConnectedNet: the published initial losses" begin
    # FullyConnectedNets.ipynb (2.3004790897684924, 7.052114776533016), BatchNormalization.ipynb
    # (2.2611955101340957, 6.996533220108303), Dropout.ipynb (2.3004790897684924,
    # 2.302371489704412, 2.3042759220785896), each cell's gradient checks in between.
    setup() = (cs231n_seed(231); (cs231n_randn(2, 15), CSR.randint(CSR.global_state(), 0, 10, 2)))
    X, y = setup()
    for (reg, published) in ((0.0, 2.3004790897684924), (3.14, 7.052114776533016))
        model = CS.FullyConnectedNet([20, 30]; input_dim=15, num_classes=10, reg=reg, weight_scale=5e-2)
        @test abs(CS.loss(model, X, y)[1] - published) < 1e-12
        errors = cs231n_grad_errors(model, X, y)
        @test errors["W2"] < 1e-4 && maximum(v for (k, v) in errors if k != "W2") < 1e-6
    end
    X, y = setup()
    for (reg, published) in ((0.0, 2.2611955101340957), (3.14, 6.996533220108303))
        model = CS.FullyConnectedNet([20, 30]; input_dim=15, num_classes=10, reg=reg, weight_scale=5e-2,
                                     normalization="batchnorm")
        @test abs(CS.loss(model, X, y)[1] - published) < 1e-12
        errors = cs231n_grad_errors(model, X, y)
        @test maximum(v for (k, v) in errors if !startswith(k, "W")) < 1e-6
    end
    X, y = setup()
    for (dropout, published) in ((1, 2.3004790897684924), (0.75, 2.302371489704412), (0.5, 2.3042759220785896))
        model = CS.FullyConnectedNet([20, 30]; input_dim=15, num_classes=10, weight_scale=5e-2, dropout=dropout,
                                     seed=123)
        @test abs(CS.loss(model, X, y)[1] - published) < 1e-12
        cs231n_grad_errors(model, X, y)
    end
    @test_throws ArgumentError CS.FullyConnectedNet([10]; dropout=0)
    @test_throws ArgumentError CS.FullyConnectedNet([10]; normalization="groupnorm")
    @test_throws ArgumentError CS.FullyConnectedNet([10]; dtype=Float32)
end

@testset "Solver: overfitting 50 examples" begin
    # FullyConnectedNets.ipynb, three-layer overfit: 100 % training accuracy. The data are
    # random images as the notebooks' shapes (the embedded digits are Python's to read).
    cs231n_seed(231)
    data = Dict("X_train" => 50 .* cs231n_randn(50, 3, 8, 8), "y_train" => CSR.randint(CSR.global_state(), 0, 10, 50),
                "X_val" => 50 .* cs231n_randn(20, 3, 8, 8), "y_val" => CSR.randint(CSR.global_state(), 0, 10, 20))
    model = CS.FullyConnectedNet([100, 100]; input_dim=3 * 8 * 8, weight_scale=3e-2)
    solver = CS.Solver(model, data; print_every=10, num_epochs=20, batch_size=25, update_rule="sgd",
                       optim_config=Dict("learning_rate" => 5e-3), verbose=false)
    CS.train!(solver)
    @test maximum(solver.train_acc_history) == 1.0
    @test length(solver.loss_history) == 40 && length(solver.val_acc_history) == 21
    dir = mktempdir()
    solver = CS.Solver(CS.TwoLayerNet(; input_dim=3 * 8 * 8, hidden_dim=8), data; num_epochs=1, batch_size=25,
                       update_rule="adam", checkpoint_name=joinpath(dir, "ckpt"), verbose=false)
    CS.train!(solver)
    @test sort(readdir(dir)) == ["ckpt_epoch_0.npz", "ckpt_epoch_1.npz"]
    arrays = PyRef.read_npz(joinpath(dir, "ckpt_epoch_1.npz"))
    @test arrays["loss_history"] == solver.loss_history
    @test occursin("\"update_rule\": \"adam\"", String(copy(arrays["settings"])))
    @test_throws ArgumentError CS.Solver(model, data; update_rule="nesterov")
    @test_throws ArgumentError CS.Solver(model, data; optim_config=Dict("learning_rate" => 1e-3, "momentum" => 0.9))
    @test_throws ArgumentError CS.Solver(model, data; batch_size=0)
end

@testset "input checks name the argument" begin
    err(f) = try f(); "" catch e; sprint(showerror, e) end
    @test occursin("bn_param['mode']", err(() -> CS.batchnorm_forward(ones(2, 3), ones(3), zeros(3), Dict{String,Any}("mode" => "eval"))))
    @test occursin("\"mom\"", err(() -> CS.batchnorm_forward(ones(2, 3), ones(3), zeros(3), Dict{String,Any}("mode" => "train", "mom" => 1))))
    @test occursin("dropout_param['p']", err(() -> CS.dropout_forward(ones(3), Dict{String,Any}("mode" => "train", "p" => 1.5))))
    @test occursin("x has 3", err(() -> CS.affine_forward(ones(2, 3), ones(4, 2), ones(2))))
    @test occursin("y must be class", err(() -> CS.softmax_loss(ones(2, 3), [0, 3])))
    @test occursin("update_rule", err(() -> CS.Solver(CS.TwoLayerNet(; input_dim=2), Dict("X_train" => ones(2, 2),
        "y_train" => [0, 1], "X_val" => ones(2, 2), "y_val" => [0, 1]); update_rule="nope")))
end

@testset "the commands' runs: cs231n_overfit and cs231n_update_rules" begin
    err(f) = try f(); "" catch e; sprint(showerror, e) end
    rs = CSR.RandomState(5)
    data = ((CSR.rand(rs, 60, 100), CSR.randint(rs, 0, 10, 60)), (CSR.rand(rs, 30, 100), CSR.randint(rs, 0, 10, 30)))
    small = PyRef.small_data(data, 50, 30)
    @test size(small["X_train"]) == (50, 100) && eltype(small["y_train"]) == Int64
    @test maximum(abs.(sum(small["X_train"]; dims=1))) < 1e-9   # the mean training image subtracted
    r = cs231n_overfit(data; num_val=30, rng=CSR.RandomState(0))
    @test r["final_train_acc"] == 1.0 && length(r["loss_history"]) == 40 && length(r["val_acc_history"]) == 21
    @test r == cs231n_overfit(data; num_val=30, rng=CSR.RandomState(0))   # the global stream starts from rng's
    u = cs231n_update_rules(data; num_train=50, num_val=30, num_epochs=1, rules=("sgd", "adam"), rng=CSR.RandomState(0))
    @test sort(collect(keys(u["rules"]))) == ["adam", "sgd"] && u["rules"]["adam"]["learning_rate"] == 1e-3
    @test occursin("rules: unknown update rule \"nesterov\"", err(() -> cs231n_update_rules(data; rules=("nesterov",))))
    @test occursin("num_train=61", err(() -> cs231n_overfit(data; num_train=61)))
    @test occursin("num_val", err(() -> cs231n_overfit(data; num_val=0)))
    @test occursin("x_train must be rows", err(() -> cs231n_overfit(((ones(2, 2, 2), [0, 1]), data[2]))))
end

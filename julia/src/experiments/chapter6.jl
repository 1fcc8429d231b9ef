# The book's ch06 scripts as functions returning their data (twin of pyref/experiments/chapter6.py):
# same names, defaults and draw order; results are Dicts with Python's keys.

const NAIVE_INIT_POS = (-7.0, 2.0)
const NAIVE_STEPS = 30
const NAIVE_OPTIMIZERS = ["SGD" => ("sgd", (lr=0.95,)), "Momentum" => ("momentum", (lr=0.1,)),
                          "AdaGrad" => ("adagrad", (lr=1.5,)), "Adam" => ("adam", (lr=0.3,))]
const MNIST_COMPARE_HIDDEN = [100, 100, 100, 100]
const MNIST_COMPARE_BATCH = 128
const MNIST_COMPARE_ITERATIONS = 2000
const MNIST_COMPARE_OPTIMIZERS = ["SGD", "Momentum", "AdaGrad", "Adam"]
const WEIGHT_INIT_COMPARE = ["std=0.01" => 0.01, "Xavier" => "sigmoid", "He" => "relu"]
const HISTOGRAM_ACTIVATIONS = ["sigmoid", "relu", "tanh"]
const HISTOGRAM_FITTED_RANGES = Dict{String,Tuple{Float64,Float64}}("sigmoid" => (0.0, 1.0), "tanh" => (-1.0, 1.0))
const BATCHNORM_TRAIN_SAMPLES = 1000
const BATCHNORM_HIDDEN = [100, 100, 100, 100, 100]
const BATCHNORM_EPOCHS = 20
const BATCHNORM_SCALES = 16
const BATCHNORM_GRADCHECK_HIDDEN = [100, 100]
const OVERFIT_TRAIN_SAMPLES = 300
const OVERFIT_HIDDEN = [100, 100, 100, 100, 100, 100]
const OVERFIT_DECAY_EPOCHS = 201
const OVERFIT_DROPOUT_EPOCHS = 301
const OVERFIT_DROPOUT_RATIO = 0.2
const OVERFIT_DECAY_VARIANTS = [("L2 λ=0.1", "l2", 0.1), ("no decay", "l2", 0.0), ("L1 λ=0.001", "l1", 0.001)]
const VANISHING_HIDDEN = [40, 20]
const VANISHING_CONFIGS = ["sigmoid, std=0.01" => ("sigmoid", 0.01), "ReLU, He" => ("relu", "he"),
                           "sigmoid, Xavier" => ("sigmoid", "xavier")]
const VANISHING_EPOCHS = 20
const VANISHING_LR = 0.1

_global_rng() = NumpyRandom.global_state()

function _first_rows(data, n)
    (x, t), _ = data
    n === nothing && return x, t
    n = check_positive_int("train_samples", n)
    n <= size(x, 1) || throw(ArgumentError("train_samples=$n but the data has $(size(x, 1)) training samples"))
    return x[1:n, :], rows(t, 1:n)
end

"""6.1.7: each optimizer's path on f(x, y) = x²/20 + y² from (−7, 2); no random draws."""
function optimizer_compare_naive(; steps::Integer=NAIVE_STEPS)
    steps = check_positive_int("steps", steps)
    paths = Dict{String,Any}()
    for (label, (name, kw)) in NAIVE_OPTIMIZERS
        opt = make_optimizer(name; kw...)
        params = Params("x" => fill(NAIVE_INIT_POS[1]), "y" => fill(NAIVE_INIT_POS[2]))
        xs, ys = Float64[], Float64[]
        for _ in 1:steps
            push!(xs, params["x"][])
            push!(ys, params["y"][])
            grads = Params("x" => fill(params["x"][] / 10.0), "y" => fill(2.0 * params["y"][]))
            update!(opt, params, grads)
        end
        paths[label] = Dict{String,Any}("x" => xs, "y" => ys)
    end
    return Dict{String,Any}("init_pos" => collect(NAIVE_INIT_POS), "steps" => steps, "paths" => paths)
end

function compare_on_mnist(data, nets::Vector, optimizers::Vector, labels::Vector{String}, iterations, batch_size, rng)
    x_train, t_train = _first_rows(data, nothing)
    losses = Dict{String,Any}(l => Float64[] for l in labels)
    batcher = RowBatcher(x_train)
    grads = [gradient_buffers(net) for net in nets]
    for _ in 1:iterations
        mask = NumpyRandom.choice(rng, size(x_train, 1), batch_size) .+ 1
        xb, tb = batch!(batcher, mask), rows(t_train, mask)
        for (k, net) in enumerate(nets)
            update!(optimizers[k], net.params, gradient!(grads[k], net, xb, tb))
            push!(losses[labels[k]], loss(net, xb, tb))
        end
    end
    return losses
end

"""6.1.8: training loss per iteration for each optimizer on MNIST."""
function optimizer_compare_mnist(data; iterations::Integer=MNIST_COMPARE_ITERATIONS, batch_size::Integer=MNIST_COMPARE_BATCH,
                                 hidden=MNIST_COMPARE_HIDDEN, optimizers=MNIST_COMPARE_OPTIMIZERS,
                                 rng::NumpyRandom.RandomState=_global_rng(), progress::Bool=false)
    iterations = check_positive_int("iterations", iterations)
    batch_size = check_positive_int("batch_size", batch_size)
    x_train, _ = _first_rows(data, nothing)
    labels = collect(String, optimizers)
    opts = [make_optimizer(name) for name in labels]
    nets = [MultiLayerNet(size(x_train, 2), collect(hidden), NUM_CLASSES; rng=rng) for _ in labels]
    losses = compare_on_mnist(data, nets, opts, labels, iterations, batch_size, rng)
    return Dict{String,Any}("iterations" => iterations, "batch_size" => batch_size, "train_loss" => losses)
end

"""6.2.2–6.2.3: activation histograms for every activation × scale, in order on one stream."""
function weight_init_activation_histogram(; activations=HISTOGRAM_ACTIVATIONS, inits=HISTOGRAM_INITS,
                                          rng::NumpyRandom.RandomState=_global_rng())
    counts = Dict{String,Any}()
    stats = Dict{String,Any}()
    fitted = Dict{String,Any}()
    edges = Float64[]
    for act in activations
        counts[act] = Dict{String,Any}()
        stats[act] = Dict{String,Any}()
        fitted[act] = Dict{String,Any}()
        for (label, init) in inits
            h = activation_histogram(act, init; rng=rng)
            counts[act][label] = h["counts"]
            a = h["activations"]
            means = [np_mean(a[i, :, :]) for i in 1:size(a, 1)]
            stds = [np_std(a[i, :, :]) for i in 1:size(a, 1)]
            stats[act][label] = Dict{String,Any}("mean" => means, "std" => stds)
            fitted[act][label] = fitted_histogram(act, a, size(h["counts"], 2))
            edges = h["edges"]
        end
    end
    return Dict{String,Any}("edges" => edges, "counts" => counts, "stats" => stats, "fitted" => fitted)
end

"""Each layer's histogram over the range that shows all of it: HISTOGRAM_FITTED_RANGES, else
(0, the layer's largest value) with exact zeros left out of the bars and counted in `zeros`."""
function fitted_histogram(activation::AbstractString, activations::Array{Float64,3}, bins::Int)
    edges, counts, zeros_ = Vector{Vector{Float64}}(), Vector{Vector{Int64}}(), Int64[]
    for i in 1:size(activations, 1)
        values = vec(activations[i, :, :])
        push!(zeros_, count(v -> v == 0, values))
        if haskey(HISTOGRAM_FITTED_RANGES, activation)
            lo, hi = HISTOGRAM_FITTED_RANGES[activation]
        else
            values = filter(v -> v != 0, values)
            top = isempty(values) ? 0.0 : maximum(values)
            lo, hi = 0.0, top > 0 ? top : 1.0
        end
        c, e = np_histogram(values, bins, lo, hi)
        push!(counts, c)
        push!(edges, e)
    end
    return Dict{String,Any}("edges" => edges, "counts" => counts, "zeros" => zeros_)
end

"""6.2.4: training loss for std=0.01, Xavier and He initial weights (ReLU nets, SGD)."""
function weight_init_compare(data; iterations::Integer=MNIST_COMPARE_ITERATIONS, batch_size::Integer=MNIST_COMPARE_BATCH,
                             hidden=MNIST_COMPARE_HIDDEN, rng::NumpyRandom.RandomState=_global_rng(), progress::Bool=false)
    iterations = check_positive_int("iterations", iterations)
    batch_size = check_positive_int("batch_size", batch_size)
    x_train, _ = _first_rows(data, nothing)
    labels = String[first(p) for p in WEIGHT_INIT_COMPARE]
    nets = [MultiLayerNet(size(x_train, 2), collect(hidden), NUM_CLASSES; weight_init_std=last(p), rng=rng) for p in WEIGHT_INIT_COMPARE]
    sgd = SGD(lr=0.01)
    losses = compare_on_mnist(data, nets, [sgd for _ in labels], labels, iterations, batch_size, rng)
    return Dict{String,Any}("iterations" => iterations, "batch_size" => batch_size, "train_loss" => losses)
end

"""The book's hand-written epoch loop: evaluate when i % iter_per_epoch == 0, until max_epochs."""
function epoch_loop(n_train::Int, batch_size::Int, max_epochs::Int, rng, step, evaluate)
    per_epoch = iter_per_epoch(n_train, batch_size)
    epoch_cnt = 0
    i = 0
    while true
        step(NumpyRandom.choice(rng, n_train, batch_size) .+ 1)
        if rem(Float64(i), per_epoch) == 0
            evaluate()
            epoch_cnt += 1
            epoch_cnt >= max_epochs && break
        end
        i += 1
    end
end

"""6.3.2: accuracy with and without Batch Normalization over weight scales logspace(0, −4)."""
function batch_norm_test(data; train_samples=BATCHNORM_TRAIN_SAMPLES, max_epochs::Integer=BATCHNORM_EPOCHS,
                         scales::Integer=BATCHNORM_SCALES, batch_size::Integer=100, lr::Real=0.01,
                         hidden=BATCHNORM_HIDDEN, rng::NumpyRandom.RandomState=_global_rng(), progress::Bool=false)
    x_train, t_train = _first_rows(data, train_samples)
    max_epochs = check_positive_int("max_epochs", max_epochs)
    # np.logspace(0, -4, n) = np.power(10.0, np.linspace(0, -4, n)): numpy's array pow.
    scale_list = [np_power(10.0, e) for e in np_linspace(0.0, -4.0, check_positive_int("scales", scales))]
    acc, bn_acc = Any[], Any[]
    for w in scale_list
        bn_net = MultiLayerNetExtend(size(x_train, 2), collect(hidden), NUM_CLASSES; weight_init_std=w, use_batchnorm=true, rng=rng)
        net = MultiLayerNetExtend(size(x_train, 2), collect(hidden), NUM_CLASSES; weight_init_std=w, rng=rng)
        opt = SGD(lr=lr)
        train_acc, bn_train_acc = Float64[], Float64[]
        batcher = RowBatcher(x_train)
        grads = (gradient_buffers(bn_net), gradient_buffers(net))
        step = mask -> begin
            xb, tb = batch!(batcher, mask), rows(t_train, mask)
            for (k, n) in enumerate((bn_net, net))
                update!(opt, n.params, gradient!(grads[k], n, xb, tb))
            end
        end
        evaluate = () -> begin
            push!(bn_train_acc, accuracy(bn_net, x_train, t_train))
            push!(train_acc, accuracy(net, x_train, t_train))
        end
        epoch_loop(size(x_train, 1), batch_size, max_epochs, rng, step, evaluate)
        push!(acc, train_acc)
        push!(bn_acc, bn_train_acc)
    end
    return Dict{String,Any}("weight_scales" => scale_list, "train_acc" => acc, "bn_train_acc" => bn_acc)
end

"""Mean |_backprop − numerical| per parameter for a Batch-Normalization net."""
function batch_norm_gradient_check(data; hidden=BATCHNORM_GRADCHECK_HIDDEN, samples::Integer=1,
                                   rng::NumpyRandom.RandomState=_global_rng())
    x, t = _first_rows(data, samples)
    net = MultiLayerNetExtend(size(x, 2), collect(hidden), NUM_CLASSES; use_batchnorm=true, rng=rng)
    bp = gradient(net, x, t)
    num = numerical_gradient(net, x, t)
    diff = Dict{String,Any}(k => np_mean(abs.(bp[k] .- num[k])) for k in keys(num))
    return Dict{String,Any}("hidden" => collect(hidden), "samples" => samples, "diff" => diff)
end

"""6.4.1–6.4.2: train/test accuracy per epoch for each weight-decay variant, in order."""
function overfit_weight_decay(data; train_samples=OVERFIT_TRAIN_SAMPLES, max_epochs::Integer=OVERFIT_DECAY_EPOCHS,
                              variants=OVERFIT_DECAY_VARIANTS, batch_size::Integer=100, lr::Real=0.01,
                              hidden=OVERFIT_HIDDEN, rng::NumpyRandom.RandomState=_global_rng(), progress::Bool=false)
    x_train, t_train = _first_rows(data, train_samples)
    _, (x_test, t_test) = data
    results = Dict{String,Any}()
    for (label, kind, lam) in variants
        net = MultiLayerNet(size(x_train, 2), collect(hidden), NUM_CLASSES; weight_decay_lambda=lam, weight_decay=kind, rng=rng)
        opt = SGD(lr=lr)
        train_acc, test_acc = Float64[], Float64[]
        batcher, grads = RowBatcher(x_train), gradient_buffers(net)
        step = mask -> update!(opt, net.params, gradient!(grads, net, batch!(batcher, mask), rows(t_train, mask)))
        evaluate = () -> (push!(train_acc, accuracy(net, x_train, t_train)); push!(test_acc, accuracy(net, x_test, t_test)))
        epoch_loop(size(x_train, 1), batch_size, check_positive_int("max_epochs", max_epochs), rng, step, evaluate)
        results[label] = Dict{String,Any}("kind" => kind, "lambda" => lam, "train_acc" => train_acc, "test_acc" => test_acc)
    end
    return Dict{String,Any}("variants" => results)
end

function _trainer_result(tr::Trainer)
    return Dict{String,Any}("train_acc" => tr.train_acc_list, "test_acc" => tr.test_acc_list,
                            "train_loss" => tr.train_loss_list)
end

"""6.4.3: the Trainer with Dropout (the book's run), then without."""
function overfit_dropout(data; train_samples=OVERFIT_TRAIN_SAMPLES, epochs::Integer=OVERFIT_DROPOUT_EPOCHS,
                         dropout_ratio::Real=OVERFIT_DROPOUT_RATIO, lr::Real=0.01, hidden=OVERFIT_HIDDEN,
                         rng::NumpyRandom.RandomState=_global_rng(), progress::Bool=false)
    x_train, t_train = _first_rows(data, train_samples)
    _, (x_test, t_test) = data
    results = Dict{String,Any}()
    for (label, use) in (("dropout", true), ("no dropout", false))
        net = MultiLayerNetExtend(size(x_train, 2), collect(hidden), NUM_CLASSES; use_dropout=use, dropout_ration=dropout_ratio, rng=rng)
        tr = Trainer(net, x_train, t_train, x_test, t_test; epochs=epochs, mini_batch_size=100, optimizer="sgd",
                     optimizer_param=Dict("lr" => lr), verbose=false, rng=rng)
        train!(tr)
        res = _trainer_result(tr)
        res["dropout_ratio"] = use ? Float64(dropout_ratio) : 0.0
        results[label] = res
    end
    return Dict{String,Any}("variants" => results)
end

"""6.5.3: random search over lr and weight decay on 500 samples (20 % validation)."""
function hyperparameter_optimization(data; train_samples=SEARCH_TRAIN_SAMPLES, trials::Integer=SEARCH_TRIALS,
                                     epochs::Integer=SEARCH_EPOCHS, rng::NumpyRandom.RandomState=_global_rng(),
                                     progress::Bool=false)
    x, t = _first_rows(data, train_samples)
    found = random_search(x, t; trials=trials, epochs=epochs, rng=rng)
    return Dict{String,Any}("trials" => [to_dict(tr) for tr in found])
end

"""A 784-40-20-10 net trained with sigmoid + std 0.01, ReLU + He, and sigmoid + Xavier."""
function gradient_vanishing(data; epochs::Integer=VANISHING_EPOCHS, lr::Real=VANISHING_LR, train_samples=nothing,
                            hidden=VANISHING_HIDDEN, rng::NumpyRandom.RandomState=_global_rng(), progress::Bool=false)
    x_train, t_train = _first_rows(data, train_samples)
    _, (x_test, t_test) = data
    results = Dict{String,Any}()
    for (label, (act, init)) in VANISHING_CONFIGS
        net = MultiLayerNet(size(x_train, 2), collect(hidden), NUM_CLASSES; activation=act, weight_init_std=init, rng=rng)
        tr = Trainer(net, x_train, t_train, x_test, t_test; epochs=epochs, mini_batch_size=100, optimizer="sgd",
                     optimizer_param=Dict("lr" => lr), verbose=false, rng=rng)
        train!(tr)
        res = _trainer_result(tr)
        res["activation"] = act
        res["weight_init_std"] = init
        results[label] = res
    end
    return Dict{String,Any}("configs" => results)
end

export optimizer_compare_naive, optimizer_compare_mnist, weight_init_activation_histogram, weight_init_compare,
       batch_norm_test, batch_norm_gradient_check, overfit_weight_decay, overfit_dropout,
       hyperparameter_optimization, gradient_vanishing

# The book's ch08 scripts as functions returning their data (twin of
# pyref/experiments/chapter8.py): same names, defaults and draw order; results are
# Dicts with Python's keys.

const HALF_FLOAT_SAMPLES = 10000
const MISCLASSIFIED_BATCH = 100
const MISCLASSIFIED_VIEW = 20

"""train_deepnet.py: the curves, the final test accuracy and the trained parameters."""
function train_deepnet(data; epochs::Integer=CONVNET_EPOCHS, train_samples=nothing,
                       rng::NumpyRandom.RandomState=_global_rng(), progress::Bool=false)
    net = DeepConvNet(; rng=rng)
    tr = train_network(data, net; epochs=epochs, train_samples=train_samples, rng=rng)
    return training_record(data, net, tr, epochs, DEEP_PARAM_NAMES)
end

"""Give `net` trained weights: copies of `params` if given (half_float rounds them in
place), else train it; says which."""
function trained!(data, net::DeepConvNet, params, epochs, train_samples, rng)
    if params !== nothing
        set_params!(net, Dict(k => copy(v) for (k, v) in params))
        return "given parameters"
    end
    train_network(data, net; epochs=epochs, train_samples=train_samples, rng=rng)
    return "trained here for $epochs epochs"
end

"""half_float_network.py: the test accuracy of the first `test_samples` images, then
with the images cast to Float16 and every weight rounded to Float16 in place (numpy's
single rounding, `np_float16`); the layers compute in Float64, as the book's."""
function half_float(data; params=nothing, test_samples::Integer=HALF_FLOAT_SAMPLES, epochs::Integer=CONVNET_EPOCHS,
                    train_samples=nothing, rng::NumpyRandom.RandomState=_global_rng(), progress::Bool=false)
    net = DeepConvNet(; rng=rng)
    source = trained!(data, net, params, epochs, train_samples, rng)
    n = check_positive_int("test_samples", test_samples)
    _, (x_all, t_all) = data
    m = min(n, size(x_all, 1))
    x_test, t_test = x_all[1:m, :, :, :], rows(t_all, 1:m)
    float64_acc = accuracy(net, x_test, t_test)
    x16 = map(v -> np_float16(Float64(v)), x_test)
    rounded = 0
    for param in values(net.params)
        half = map(v -> Float64(np_float16(v)), param)
        rounded += count(half .!= param)
        copyto!(param, half)
    end
    return Dict{String,Any}("float64_acc" => float64_acc, "float16_acc" => accuracy(net, x16, t_test),
                            "test_samples" => m, "weights" => sum(length, values(net.params)),
                            "weights_rounded" => rounded, "trained" => source)
end

"""misclassified_mnist.py: the test accuracy (batches of 100) and the first `max_view`
misclassified test digits with their labels and the net's predictions."""
function misclassified(data; params=nothing, max_view::Integer=MISCLASSIFIED_VIEW, epochs::Integer=CONVNET_EPOCHS,
                       train_samples=nothing, rng::NumpyRandom.RandomState=_global_rng(), progress::Bool=false)
    net = DeepConvNet(; rng=rng)
    source = trained!(data, net, params, epochs, train_samples, rng)
    view = check_positive_int("max_view", max_view)
    _, (x_test, t_test) = data
    N = size(x_test, 1)
    batches = trunc(Int, N / MISCLASSIFIED_BATCH)
    batches == 0 && throw(ArgumentError("the data has $N test images, fewer than one batch of $MISCLASSIFIED_BATCH"))
    predicted = Int[]
    acc = 0.0
    for i in 0:(batches - 1)
        idx = (i * MISCLASSIFIED_BATCH + 1):((i + 1) * MISCLASSIFIED_BATCH)
        y = argmax_rows(predict(net, x_test[idx, :, :, :]; train_flg=false))
        append!(predicted, y)
        acc += count(k -> y[k] == t_test[idx[k]], eachindex(y))
    end
    wrong = [i for i in eachindex(predicted) if predicted[i] != t_test[i]]
    wrong = wrong[1:min(view, length(wrong))]
    return Dict{String,Any}("test_acc" => acc / N, "indices" => [i - 1 for i in wrong],
                            "labels" => [Int(t_test[i]) for i in wrong], "predicted" => predicted[wrong],
                            "images" => Float64.(x_test[wrong, 1, :, :]), "trained" => source)
end

export train_deepnet, half_float, misclassified

# The book's ch03 script as a function returning its data (twin of
# pyref/experiments/chapter3.py): same names, defaults and draw order; results are
# Dicts with Python's keys.

const NEURALNET_HIDDEN = (50, 100)
const NEURALNET_EPOCHS = 10
const NEURALNET_BATCH = 100
const NEURALNET_LR = 0.01
const NEURALNET_EXAMPLES = 10

"""Weights W1, b1 .. W3, b3 of sample_weight.pkl's architecture trained on `data` (a
sigmoid MultiLayerNet, Xavier weights, Adam lr 0.01, batches of 100)."""
function train_sample_network(data; epochs::Integer=NEURALNET_EPOCHS, train_samples=nothing,
                              rng::NumpyRandom.RandomState=_global_rng(), progress::Bool=false)
    x_train, t_train = _first_rows(data, train_samples)
    _, (x_test, t_test) = data
    net = MultiLayerNet(size(x_train, 2), collect(NEURALNET_HIDDEN), NUM_CLASSES; activation="sigmoid",
                        weight_init_std="sigmoid", rng=rng)
    tr = Trainer(net, x_train, t_train, x_test, t_test; epochs=check_positive_int("epochs", epochs),
                 mini_batch_size=NEURALNET_BATCH, optimizer="adam", optimizer_param=Dict("lr" => NEURALNET_LR),
                 evaluate_sample_num_per_epoch=NEURALNET_EXAMPLES, verbose=false, rng=rng)
    train!(tr)
    return Dict{String,Any}(k => copy(net.params[k]) for k in SAMPLE_NETWORK_NAMES)
end

"""neuralnet_mnist.py: the share of test digits whose most probable class, by 3.6's
forward pass one digit at a time, is their label; on `params` (the book's weights) or
on weights trained here."""
function neuralnet_mnist(data; params=nothing, epochs::Integer=NEURALNET_EPOCHS, train_samples=nothing,
                         rng::NumpyRandom.RandomState=_global_rng(), progress::Bool=false)
    if params !== nothing
        network = check_network(params; source="params")
        weights = "the book's sample_weight.pkl (given)"
    else
        network = train_sample_network(data; epochs=epochs, train_samples=train_samples, rng=rng)
        weights = "trained here for $epochs epochs (the book's weights not given)"
    end
    _, (x, t) = data
    accuracy_cnt = 0
    predicted = Int[]
    for i in 1:size(x, 1)
        y = predict(network, x[i, :])
        p = argmax(y) - 1
        push!(predicted, p)
        if p == t[i]
            accuracy_cnt += 1
        end
    end
    k = min(NEURALNET_EXAMPLES, size(x, 1))
    images = permutedims(reshape(Float64.(x[1:k, :]), k, 28, 28), (1, 3, 2))   # numpy's reshape(k, 28, 28)
    return Dict{String,Any}("accuracy" => Float64(accuracy_cnt) / size(x, 1), "weights" => weights,
                            "test_samples" => size(x, 1), "images" => images,
                            "labels" => [Int(v) for v in t[1:k]], "predicted" => predicted[1:k])
end

export train_sample_network, neuralnet_mnist

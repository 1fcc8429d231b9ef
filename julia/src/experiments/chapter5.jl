# The book's ch05 scripts (and ch04's train_neuralnet.py) as functions returning their
# data (twin of pyref/experiments/chapter5.py): same names, defaults and draw order;
# results are Dicts with Python's keys.

const TRAIN_ITERS = 10000
const TRAIN_BATCH = 100
const TRAIN_LR = 0.1
const TRAIN_HIDDEN = 50
const GRADIENT_METHODS = ("backprop", "numerical")
const CHECK_SAMPLES = 3

"""The net of the script whose gradient `gradient` names (ch04's sigmoid net for
"numerical", ch05's layered ReLU net for "backprop"), weights drawn from `rng`."""
_two_layer_net(gradient, input_size, hidden_size, rng) =
    gradient == "numerical" ? SigmoidTwoLayerNet(input_size, hidden_size, NUM_CLASSES; rng=rng) :
    LayeredTwoLayerNet(input_size, hidden_size, NUM_CLASSES; rng=rng)

"""train_neuralnet.py: `iters_num` SGD steps on minibatches drawn with replacement, the
accuracy on the whole training and test sets whenever the step count is a multiple of
train_size / batch_size; the gradient "numerical" or "backprop"."""
function train_two_layer_net(data; gradient::AbstractString="backprop", iters_num::Integer=TRAIN_ITERS,
                             batch_size::Integer=TRAIN_BATCH, learning_rate::Real=TRAIN_LR,
                             hidden_size::Integer=TRAIN_HIDDEN, train_samples=nothing,
                             rng::NumpyRandom.RandomState=_global_rng(), progress::Bool=false)
    gradient = check_choice("gradient", gradient, GRADIENT_METHODS)
    iters_num = check_positive_int("iters_num", iters_num)
    batch_size = check_positive_int("batch_size", batch_size)
    learning_rate = check_real("learning_rate", learning_rate)
    hidden_size = check_positive_int("hidden_size", hidden_size)
    x_train, t_train = _first_rows(data, train_samples)
    _, (x_test, t_test) = data
    network = _two_layer_net(gradient, size(x_train, 2), hidden_size, rng)
    train_size = size(x_train, 1)
    iter_per_epoch = max(train_size / batch_size, 1)
    train_loss, train_acc, test_acc = Float64[], Float64[], Float64[]
    for i in 0:iters_num - 1
        batch_mask = NumpyRandom.choice(rng, train_size, batch_size) .+ 1
        x_batch, t_batch = x_train[batch_mask, :], rows(t_train, batch_mask)
        grad = gradient == "numerical" ? numerical_gradient(network, x_batch, t_batch) :
               PyRef.gradient(network, x_batch, t_batch)
        for key in TWO_LAYER_PARAM_NAMES
            network.params[key] .-= learning_rate .* grad[key]
        end
        push!(train_loss, loss(network, x_batch, t_batch))
        if rem(i, iter_per_epoch) == 0
            push!(train_acc, accuracy(network, x_train, t_train))
            push!(test_acc, accuracy(network, x_test, t_test))
        end
    end
    return Dict{String,Any}("gradient" => gradient, "iters_num" => iters_num, "batch_size" => batch_size,
                            "train_loss" => train_loss, "train_acc" => train_acc, "test_acc" => test_acc)
end

"""gradient_check.py: ch05's TwoLayerNet on the first `samples` training digits; each
parameter's mean |backprop − numerical|."""
function gradient_check(data; hidden_size::Integer=TRAIN_HIDDEN, samples::Integer=CHECK_SAMPLES,
                        rng::NumpyRandom.RandomState=_global_rng())
    x_batch, t_batch = _first_rows(data, check_positive_int("samples", samples))
    network = LayeredTwoLayerNet(size(x_batch, 2), check_positive_int("hidden_size", hidden_size), NUM_CLASSES;
                                 rng=rng)
    grad_numerical = numerical_gradient(network, x_batch, t_batch)
    grad_backprop = PyRef.gradient(network, x_batch, t_batch)
    diff = Dict{String,Any}(k => np_mean_c(abs.(grad_backprop[k] .- grad_numerical[k])) for k in keys(grad_numerical))
    return Dict{String,Any}("diff" => diff, "samples" => size(x_batch, 1))
end

export train_two_layer_net, gradient_check

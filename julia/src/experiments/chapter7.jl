# The book's ch07 scripts as functions returning their data (twin of
# pyref/experiments/chapter7.py): same names, defaults and draw order; results are
# Dicts with Python's keys.

const CONVNET_EPOCHS = 20
const CONVNET_BATCH = 100
const CONVNET_LR = 0.001
const CONVNET_EVALUATE_SAMPLES = 1000
const GRADCHECK_INPUT_DIM = (1, 10, 10)
const GRADCHECK_CONV_PARAM = Dict{String,Int}("filter_num" => 10, "filter_size" => 3, "pad" => 0, "stride" => 1)
const GRADCHECK_HIDDEN = 10
const GRADCHECK_LABEL = 1
const APPLY_FILTERS = 16

function _first_images(data, n)
    (x, t), _ = data
    ndims(x) == 4 || throw(ArgumentError("the data must be images (N, C, H, W): load_mnist(flatten=False), " *
                                         "got x_train of shape $(size(x))"))
    n === nothing && return x, t
    n = check_positive_int("train_samples", n)
    n <= size(x, 1) || throw(ArgumentError("train_samples=$n but the data has $(size(x, 1)) training samples"))
    return x[1:n, :, :, :], rows(t, 1:n)
end

"""Train `network` as train_convnet.py does (train_deepnet.py trains its DeepConvNet
alike): Adam (lr 0.001), batches of 100, accuracy on the first 1,000 training and test
samples per epoch."""
function train_network(data, network::Union{SimpleConvNet,DeepConvNet}; epochs::Integer=CONVNET_EPOCHS, train_samples=nothing,
                       rng::NumpyRandom.RandomState=_global_rng())
    x_train, t_train = _first_images(data, train_samples)
    _, (x_test, t_test) = data
    tr = Trainer(network, x_train, t_train, x_test, t_test; epochs=epochs, mini_batch_size=CONVNET_BATCH,
                 optimizer="adam", optimizer_param=Dict("lr" => CONVNET_LR),
                 evaluate_sample_num_per_epoch=CONVNET_EVALUATE_SAMPLES, verbose=false, rng=rng)
    train!(tr)
    return tr
end

"""train_convnet.py: the curves, the final test accuracy and the trained parameters."""
function train_convnet(data; epochs::Integer=CONVNET_EPOCHS, train_samples=nothing,
                       rng::NumpyRandom.RandomState=_global_rng(), progress::Bool=false)
    net = SimpleConvNet(; rng=rng)
    tr = train_network(data, net; epochs=epochs, train_samples=train_samples, rng=rng)
    return training_record(data, net, tr, epochs, CONVNET_PARAM_NAMES)
end

"""What a convolutional net's training run returns (train_convnet, train_deepnet): the
curves, the final test accuracy (all test samples) and copies of the trained params."""
function training_record(data, network, trainer, epochs, param_names)
    _, (x_test, t_test) = data
    return Dict{String,Any}("epochs" => epochs, "train_loss" => trainer.train_loss_list,
                            "train_acc" => trainer.train_acc_list, "test_acc" => trainer.test_acc_list,
                            "final_test_acc" => accuracy(network, x_test, t_test),
                            "params" => Dict{String,Any}(k => copy(network.params[k]) for k in param_names))
end

"""gradient_check.py: mean |numerical − _backprop| per parameter for a small SimpleConvNet."""
function convnet_gradient_check(; rng::NumpyRandom.RandomState=_global_rng())
    net = SimpleConvNet(; input_dim=GRADCHECK_INPUT_DIM, conv_param=GRADCHECK_CONV_PARAM, hidden_size=GRADCHECK_HIDDEN,
                        output_size=NUM_CLASSES, weight_init_std=0.01, rng=rng)
    C, H, W = GRADCHECK_INPUT_DIM
    v = NumpyRandom.rand(rng, C * H * W)
    X = permutedims(reshape(v, W, H, C, 1), (4, 3, 2, 1))   # numpy's reshape((1, C, H, W))
    T = fill(GRADCHECK_LABEL, 1, 1)
    grad_num = numerical_gradient(net, X, T)
    grad = gradient(net, X, T)
    diff = Dict{String,Any}(k => np_mean_c(abs.(grad_num[k] .- grad[k])) for k in keys(grad_num))
    return Dict{String,Any}("diff" => diff)
end

"""Give `net` trained weights: `params` if given, else train it; says which."""
function trained!(data, net::SimpleConvNet, params, epochs, train_samples, rng)
    if params !== nothing
        set_params!(net, params)
        return "given parameters"
    end
    train_network(data, net; epochs=epochs, train_samples=train_samples, rng=rng)
    return "trained here for $epochs epochs"
end

"""visualize_filter.py: the first layer's filters of a new net, then after training."""
function visualize_filter(data; params=nothing, epochs::Integer=CONVNET_EPOCHS, train_samples=nothing,
                          rng::NumpyRandom.RandomState=_global_rng(), progress::Bool=false)
    net = SimpleConvNet(; rng=rng)
    initial = copy(net.params["W1"])
    source = trained!(data, net, params, epochs, train_samples, rng)
    return Dict{String,Any}("initial_W1" => initial, "trained_W1" => copy(net.params["W1"]), "trained" => source)
end

"""apply_filter.py: the first `filters` learned filters, each applied alone (bias 0) to
test digit `image_index`."""
function apply_filter(data; params=nothing, image_index::Integer=0, filters::Integer=APPLY_FILTERS,
                      epochs::Integer=CONVNET_EPOCHS, train_samples=nothing, rng::NumpyRandom.RandomState=_global_rng(),
                      progress::Bool=false)
    net = SimpleConvNet(; rng=rng)
    source = trained!(data, net, params, epochs, train_samples, rng)
    _, (x_test, _) = data
    index = check_nonnegative_int("image_index", image_index)
    index < size(x_test, 1) || throw(ArgumentError("image_index=$index but the data has $(size(x_test, 1)) test images"))
    count = check_positive_int("filters", filters)
    W1 = net.params["W1"]::Array{Float64,4}
    count <= size(W1, 1) || throw(ArgumentError("filters=$count but the net has $(size(W1, 1)) filters"))
    img = x_test[index + 1:index + 1, :, :, :]
    outputs = zeros(count, size(img, 3) - size(W1, 3) + 1, size(img, 4) - size(W1, 4) + 1)
    for i in 1:count
        out = forward(Convolution(W1[i:i, :, :, :], 0), img)
        outputs[i, :, :] = out[1, 1, :, :]
    end
    return Dict{String,Any}("image" => Float64.(img[1, 1, :, :]), "filters" => W1[1:count, :, :, :],
                            "outputs" => outputs, "image_index" => index, "trained" => source)
end

export train_convnet, convnet_gradient_check, visualize_filter, apply_filter

# The Julia side of the parity scenarios (twin of pyref/parity/scenarios/functions.py): each function
# takes the Python function's keywords and returns the same named outputs.

"""
    Scenarios

One function per kind of parity scenario, twins of `pyref.parity.scenarios`. Each starts its
own `NumpyRandom.RandomState(seed)`, draws in the order pyref does and returns a
Dict whose keys are the Python side's. The suite itself (names, arguments, tiers)
is defined once, in Python.
"""
module Scenarios

using ..PyRef
using ..PyRef: NumpyRandom, Params, ACTIVATIONS, EXPERIMENTS, weight_init_activation_histogram
using ..RandomCalls: random_call
const NR = NumpyRandom

kw(d) = (Symbol(k) => v for (k, v) in d)

function random_calls(; seeds, calls)
    out = Dict{String,Any}()
    for seed in seeds
        rs = NR.RandomState(seed)
        for (k, call) in enumerate(calls)
            out["seed$seed/$(k - 1):$(call[1])"] = random_call(rs, call)
        end
    end
    return out
end

function init_weights(; seed, input_size, hidden, output_size, inits, use_batchnorm=false)
    rs = NR.RandomState(seed)
    out = Dict{String,Any}()
    for (label, init) in inits
        net = MultiLayerNetExtend(input_size, hidden, output_size; weight_init_std=init,
                                  use_batchnorm=use_batchnorm, rng=rs)
        out[label] = copy(net.params)
    end
    return out
end

function optimizer_steps(; name, params, seed, steps, shape)
    rs = NR.RandomState(seed)
    p = Params("W" => NR.randn(rs, shape...), "b" => NR.randn(rs, shape[end]))
    opt = make_optimizer(name; kw(params)...)
    trail = Dict{String,Any}("W" => zeros(steps, shape...), "b" => zeros(steps, shape[end]))
    for k in 1:steps
        grads = Params("W" => NR.randn(rs, shape...), "b" => NR.randn(rs, shape[end]))
        update!(opt, p, grads)
        trail["W"][k, :, :] = p["W"]
        trail["b"][k, :] = p["b"]
    end
    return trail
end

function layer_affine(; seed, n, d_in, d_out)
    rs = NR.RandomState(seed)
    x, W, b = NR.randn(rs, n, d_in), NR.randn(rs, d_in, d_out), NR.randn(rs, d_out)
    dout = NR.randn(rs, n, d_out)
    layer = Affine(W, b)
    out = forward(layer, x)
    dx = backward(layer, dout)
    return Dict{String,Any}("out" => out, "dx" => dx, "dW" => layer.dW, "db" => layer.db)
end

function layer_activation(; name, seed, n, d, scale)
    rs = NR.RandomState(seed)
    x = scale .* NR.randn(rs, n, d)
    dout = NR.randn(rs, n, d)
    layer = ACTIVATIONS[name]()
    return Dict{String,Any}("out" => forward(layer, x), "dx" => backward(layer, dout))
end

function layer_softmax_with_loss(; seed, n, classes, one_hot)
    rs = NR.RandomState(seed)
    x = 3.0 .* NR.randn(rs, n, classes)
    t = NR.randint(rs, 0, classes, n)
    if one_hot
        t = Float64[t[i] == j - 1 for i in 1:n, j in 1:classes]
    end
    layer = SoftmaxWithLoss()
    loss = forward(layer, x, t)
    return Dict{String,Any}("loss" => loss, "y" => layer.y, "dx" => backward(layer, 1))
end

function layer_dropout(; seed, n, d, ratio, passes)
    rs = NR.RandomState(seed)
    x = NR.randn(rs, n, d)
    layer = Dropout(ratio; rng=rs)
    out = Dict{String,Any}()
    for k in 0:(passes - 1)
        out["train$k"] = forward(layer, x, true)
        out["dx$k"] = backward(layer, NR.randn(rs, n, d))
    end
    out["test"] = forward(layer, x, false)
    return out
end

function layer_batchnorm(; seed, n, d, batches)
    rs = NR.RandomState(seed)
    gamma = NR.rand(rs, d) .+ 0.5
    beta = NR.randn(rs, d)
    layer = BatchNormalization(gamma, beta)
    out = Dict{String,Any}()
    for k in 0:(batches - 1)
        x = 2.0 .* NR.randn(rs, n, d) .+ 1.0
        out["out$k"] = forward(layer, x, true)
        out["dx$k"] = backward(layer, NR.randn(rs, n, d))
        out["dgamma$k"], out["dbeta$k"] = layer.dgamma, layer.dbeta
    end
    out["running_mean"], out["running_var"] = layer.running_mean, layer.running_var
    out["test"] = forward(layer, NR.randn(rs, n, d), false)
    return out
end

function net_gradients(; x, t, seed, hidden, settings)
    rs = NR.RandomState(seed)
    net = MultiLayerNetExtend(size(x, 2), hidden, 10; rng=rs, kw(settings)...)
    initial = Dict{String,Any}(k => copy(v) for (k, v) in net.params)
    grads = gradient(net, x, t)
    return Dict{String,Any}("initial" => initial, "grads" => grads, "loss" => loss(net, x, t),
                            "accuracy" => accuracy(net, x, t))
end

function trainer_run(; x_train, t_train, x_test, t_test, seed, hidden, net, trainer)
    rs = NR.RandomState(seed)
    model = MultiLayerNetExtend(size(x_train, 2), hidden, 10; rng=rs, kw(net)...)
    tr = Trainer(model, x_train, t_train, x_test, t_test; verbose=false, rng=rs, kw(trainer)...)
    train!(tr)
    return Dict{String,Any}("train_loss" => tr.train_loss_list, "train_acc" => tr.train_acc_list,
                            "test_acc" => tr.test_acc_list)
end

function validation_split(; x, t, seed, validation_rate)
    (x_train, t_train), (x_val, t_val) = split_validation(x, t; validation_rate=validation_rate,
                                                          rng=NR.RandomState(seed))
    return Dict{String,Any}("x_train" => x_train, "t_train" => t_train, "x_val" => x_val, "t_val" => t_val)
end

activation_histograms(; seed, activations, inits) =
    weight_init_activation_histogram(; activations=activations, inits=inits, rng=NR.RandomState(seed))

# Chapter 7

"""An NCHW array from numpy's C-ordered draws of `shape` (what `rs.randn(*shape)` gives)."""
randn4(rs::NR.RandomState, shape) = NR.randn(rs, shape...)

function im2col_cases(; seed, cases)
    rs = NR.RandomState(seed)
    out = Dict{String,Any}()
    for (label, shape, filt, stride, pad) in cases
        x = randn4(rs, shape)
        col = im2col(x, filt[1], filt[2], stride, pad)
        out["$label/col"] = col
        out["$label/img"] = col2im(NR.randn(rs, size(col)...), Tuple(shape), filt[1], filt[2], stride, pad)
    end
    return out
end

function layer_convolution(; seed, shape, filters, stride, pad)
    rs = NR.RandomState(seed)
    fn, fh, fw = filters
    x = randn4(rs, shape)
    W, b = NR.randn(rs, fn, shape[2], fh, fw), NR.randn(rs, fn)
    layer = Convolution(W, b, stride, pad)
    out = forward(layer, x)
    dx = backward(layer, NR.randn(rs, size(out)...))
    col = layer.col.fortran ? layer.col.data : permutedims(layer.col.data)
    return Dict{String,Any}("out" => out, "dx" => dx, "dW" => layer.dW, "db" => layer.db, "col" => col)
end

"""numpy's `np.round(x, 1)`: x·10 rounded half to even, divided by 10."""
np_round1(x::Float64) = round(x * 10.0) / 10.0

function layer_pooling(; seed, shape, pool, stride, pad, ties)
    rs = NR.RandomState(seed)
    x = randn4(rs, shape)
    ties && (x = np_round1.(x))
    layer = Pooling(pool[1], pool[2], stride, pad)
    out = forward(layer, x)
    return Dict{String,Any}("out" => out, "arg_max" => copy(layer.arg_max),
                            "dx" => backward(layer, NR.randn(rs, size(out)...)))
end

function convnet_gradients(; x, t, seed, settings)
    rs = NR.RandomState(seed)
    net = SimpleConvNet(; rng=rs, kw(settings)...)
    initial = Dict{String,Any}(k => copy(v) for (k, v) in net.params)
    grads = gradient(net, x, t)
    return Dict{String,Any}("initial" => initial, "grads" => grads, "loss" => loss(net, x, t),
                            "scores" => predict(net, x), "accuracy" => accuracy(net, x, t),
                            "accuracy30" => accuracy(net, x, t; batch_size=30))
end

function trainer_convnet(; x_train, t_train, x_test, t_test, seed, net, trainer)
    rs = NR.RandomState(seed)
    model = SimpleConvNet(; rng=rs, kw(net)...)
    tr = Trainer(model, x_train, t_train, x_test, t_test; verbose=false, rng=rs, kw(trainer)...)
    train!(tr)
    return Dict{String,Any}("train_loss" => tr.train_loss_list, "train_acc" => tr.train_acc_list,
                            "test_acc" => tr.test_acc_list, "params" => copy(model.params))
end

"""An experiment of the registry by its `pyref run` name, with `settings` (and trained
`params` for those that take them) on one seeded stream."""
function experiment(; name, seed, settings, x_train=nothing, t_train=nothing, x_test=nothing, t_test=nothing,
                    params=nothing)
    record = EXPERIMENTS[name]
    record.draws || return record.run(; kw(settings)...)
    rng = NR.RandomState(seed)
    x_train === nothing && return record.run(; rng=rng, kw(settings)...)
    data = ((x_train, t_train), (x_test, t_test))
    params === nothing && return record.run(data; rng=rng, kw(settings)...)
    return record.run(data; rng=rng, params=params, kw(settings)...)
end

"""
    outputs(name; kwargs...) -> Dict

Call a scenario's Julia side, the function `name` (a qualified name such as
"MyPort.gradient_descent_path"), with `kwargs`, as pyref's harness does:
`{"ok" => true, "outputs" => its Dict}` (a NamedTuple counts as one), or
`{"ok" => false, "returned" => the type's name}` when it returned anything else, so
the report can say what the Julia side returned. What the function throws propagates.
"""
function outputs(name::AbstractString; kwargs...)
    f = PyRef.Bridge.lookup(name)
    value = Base.invokelatest(f; kwargs...)
    value isa Union{AbstractDict,NamedTuple} && return Dict{String,Any}("ok" => true, "outputs" => value)
    return Dict{String,Any}("ok" => false, "returned" => string(typeof(value)))
end

end # module Scenarios

# The Julia side of the cs231n parity scenarios (twin of pyref/parity/cs231n_scenarios.py):
# each function takes the Python function's keywords and returns the same named outputs.

"""
    CS231nScenarios

One function per kind of cs231n parity scenario, twins of `pyref.parity.cs231n_scenarios`.
Each seeds numpy's global stream (as the assignment does) and draws in pyref's order.
"""
module CS231nScenarios

using ..PyRef: NumpyRandom
using ..PyRef.CS231n
const NR = NumpyRandom
const C = CS231n

_seed(seed) = NR.seed!(NR.global_state(), seed)
_randn(dims...) = NR.randn(NR.global_state(), dims...)
_randint(high, n) = NR.randint(NR.global_state(), 0, high, n)
_dict(d) = d === nothing ? nothing : Dict{String,Any}(String(k) => v for (k, v) in d)

const SANDWICHES = Dict(
    "affine_relu" => (C.affine_relu_forward, C.affine_relu_backward, nothing),
    "affine_bn_relu" => (C.affine_bn_relu_forward, C.affine_bn_relu_backward, "train"),
    "affine_ln_relu" => (C.affine_ln_relu_forward, C.affine_ln_relu_backward, "any"))

function cs231n_affine(; seed, shape, d_out)
    _seed(seed)
    x = _randn(shape...)
    w = _randn(prod(shape[2:end]), d_out)
    b = _randn(d_out)
    dout = _randn(shape[1], d_out)
    out, cache = C.affine_forward(x, w, b)
    dx, dw, db = C.affine_backward(dout, cache)
    return Dict{String,Any}("out" => out, "dx" => dx, "dw" => dw, "db" => db)
end

function cs231n_relu(; seed, n, d)
    _seed(seed)
    x = _randn(n, d)
    dout = _randn(n, d)
    out, cache = C.relu_forward(x)
    return Dict{String,Any}("out" => out, "dx" => C.relu_backward(dout, cache))
end

function cs231n_batchnorm(; seed, n, d, passes, momentum)
    _seed(seed)
    gamma, beta = _randn(d), _randn(d)
    bn_param = Dict{String,Any}("mode" => "train", "momentum" => momentum)
    out = Dict{String,Any}()
    for _ in 1:passes
        x = 5 .* _randn(n, d) .+ 12
        dout = _randn(n, d)
        out["out"], cache = C.batchnorm_forward(x, gamma, beta, bn_param)
        out["dx"], out["dgamma"], out["dbeta"] = C.batchnorm_backward(dout, cache)
        out["dx_alt"], out["dgamma_alt"], out["dbeta_alt"] = C.batchnorm_backward_alt(dout, cache)
    end
    out["running_mean"], out["running_var"] = bn_param["running_mean"], bn_param["running_var"]
    bn_param["mode"] = "test"
    x = 5 .* _randn(n, d) .+ 12
    out["out_test"], cache = C.batchnorm_forward(x, gamma, beta, bn_param)
    out["dx_test"] = C.batchnorm_backward(_randn(n, d), cache)[1]
    return out
end

function cs231n_layernorm(; seed, n, d)
    _seed(seed)
    x = 5 .* _randn(n, d) .+ 12
    gamma, beta, dout = _randn(d), _randn(d), _randn(n, d)
    out, cache = C.layernorm_forward(x, gamma, beta, Dict{String,Any}())
    dx, dgamma, dbeta = C.layernorm_backward(dout, cache)
    return Dict{String,Any}("out" => out, "dx" => dx, "dgamma" => dgamma, "dbeta" => dbeta, "std" => cache[5])
end

function cs231n_dropout(; seed, n, d, p, dropout_seed)
    _seed(seed)
    x = _randn(n, d) .+ 10
    dout = _randn(n, d)
    out, cache = C.dropout_forward(x, Dict{String,Any}("mode" => "train", "p" => p))
    seeded, _ = C.dropout_forward(x, Dict{String,Any}("mode" => "train", "p" => p, "seed" => dropout_seed))
    test, test_cache = C.dropout_forward(x, Dict{String,Any}("mode" => "test", "p" => p))
    return Dict{String,Any}("out" => out, "mask" => cache[2], "dx" => C.dropout_backward(dout, cache),
                            "out_seeded" => seeded, "after_seed" => _randn(3), "out_test" => test,
                            "dx_test" => C.dropout_backward(dout, test_cache))
end

function cs231n_losses(; seed, n, classes)
    _seed(seed)
    x = _randn(n, classes)
    y = _randint(classes, n)
    svm, dsvm = C.svm_loss(x, y)
    soft, dsoft = C.softmax_loss(x, y)
    return Dict{String,Any}("svm_loss" => svm, "svm_dx" => dsvm, "softmax_loss" => soft, "softmax_dx" => dsoft)
end

function cs231n_sandwich(; kind, seed, n, d_in, d_out)
    forward, backward, norm = SANDWICHES[kind]
    _seed(seed)
    x, w, b = _randn(n, d_in), _randn(d_in, d_out), _randn(d_out)
    extra = norm === nothing ? () :
            (_randn(d_out), _randn(d_out), norm == "train" ? Dict{String,Any}("mode" => "train") : Dict{String,Any}())
    dout = _randn(n, d_out)
    out, cache = forward(x, w, b, extra...)
    names = ("dx", "dw", "db", "dgamma", "dbeta")
    return Dict{String,Any}("out" => out, (names[k] => g for (k, g) in enumerate(backward(dout, cache)))...)
end

function cs231n_update_rule(; rule, config, seed, steps, shape)
    update = C._update_rule(rule)
    _seed(seed)
    w = _randn(shape...)
    config = _dict(config)
    trail = zeros(steps, shape...)
    for k in 1:steps
        w, config = update(w, _randn(shape...), config)
        trail[k, :, :] = w
    end
    state = Dict{String,Any}(key => config[key] for key in C.STATE_KEYS[rule])
    return Dict{String,Any}("w" => trail, "state" => state)
end

function cs231n_two_layer_net(; seed, n, d, h, c, reg)
    _seed(seed)
    X = _randn(n, d)
    y = _randint(c, n)
    model = C.TwoLayerNet(; input_dim=d, hidden_dim=h, num_classes=c, weight_scale=1e-1, reg=reg)
    initial = Dict{String,Any}(k => copy(v) for (k, v) in model.params)
    loss, grads = C.loss(model, X, y)
    return Dict{String,Any}("initial" => initial, "scores" => C.loss(model, X), "loss" => loss, "grads" => grads)
end

function cs231n_fc_net(; seed, shape, hidden_dims, c, reg, dropout, normalization, dropout_seed)
    _seed(seed)
    X = _randn(shape...)
    y = _randint(c, shape[1])
    model = C.FullyConnectedNet(collect(hidden_dims); input_dim=prod(shape[2:end]), num_classes=c, dropout=dropout,
                                normalization=normalization, reg=reg, weight_scale=5e-2, seed=dropout_seed)
    initial = Dict{String,Any}(k => copy(v) for (k, v) in model.params)
    loss, grads = C.loss(model, X, y)
    loss2, grads2 = C.loss(model, X, y)
    return Dict{String,Any}("initial" => initial, "loss" => [loss, loss2], "grads" => grads, "grads2" => grads2,
                            "scores" => C.loss(model, X))
end

function cs231n_solver(; seed, n_train, n_val, shape, hidden_dims, normalization, dropout, solver)
    _seed(seed)
    data = Dict{String,Any}()
    data["X_train"] = 30 .* _randn(n_train, shape...)
    data["y_train"] = _randint(10, n_train)
    data["X_val"] = 30 .* _randn(n_val, shape...)
    data["y_val"] = _randint(10, n_val)
    model = C.FullyConnectedNet(collect(hidden_dims); input_dim=prod(shape), dropout=dropout,
                                normalization=normalization, weight_scale=5e-2)
    options = _dict(solver)
    options["optim_config"] = _dict(options["optim_config"])
    run = C.Solver(model, data; verbose=false, (Symbol(k) => v for (k, v) in options)...)
    C.train!(run)
    return Dict{String,Any}("loss_history" => run.loss_history, "train_acc_history" => run.train_acc_history,
                            "val_acc_history" => run.val_acc_history, "params" => Dict{String,Any}(model.params),
                            "running_mean" => Dict{String,Any}("bn$i" => p["running_mean"]
                                                               for (i, p) in enumerate(model.bn_params)))
end

end # module

# The assignment's update rules (twin of pyref/cs231n/optim.py):
# `rule(w, dw, config=nothing) -> (next_w, config)`, config a Dict{String,Any} with the
# assignment's keys and defaults, its state carried to the next step; `w` is not
# changed. The arithmetic is PyRef's optimizer kernels (optimizers.jl) on copies.

"""Each rule's settings and their defaults, then its state's keys."""
const DEFAULTS = Dict{String,Dict{String,Float64}}(
    "sgd" => Dict("learning_rate" => 1e-2),
    "sgd_momentum" => Dict("learning_rate" => 1e-2, "momentum" => 0.9),
    "rmsprop" => Dict("learning_rate" => 1e-2, "decay_rate" => 0.99, "epsilon" => 1e-8),
    "adam" => Dict("learning_rate" => 1e-3, "beta1" => 0.9, "beta2" => 0.999, "epsilon" => 1e-8),
)
const STATE_KEYS = Dict{String,Tuple{Vararg{String}}}(
    "sgd" => (), "sgd_momentum" => ("velocity",), "rmsprop" => ("cache",), "adam" => ("m", "v", "t"))
"""The names the Solver takes as update_rule, in Python's order."""
const UPDATE_RULES = ("sgd", "sgd_momentum", "rmsprop", "adam")

function _unit(name::AbstractString, value)::Float64
    out = check_real(name, value)
    0 <= out < 1 || throw(ArgumentError("$name must be in [0, 1), got $value"))
    return out
end

"""How each setting is checked."""
const _SETTING_CHECKS = Dict{String,Function}("learning_rate" => check_positive, "momentum" => _unit,
    "decay_rate" => _unit, "beta1" => _unit, "beta2" => _unit, "epsilon" => check_positive)

"""Every setting, in the order Python's DEFAULTS lists them (a Dict has no order)."""
const _SETTING_ORDER = ("learning_rate", "momentum", "decay_rate", "beta1", "beta2", "epsilon")
"""The keys a rule's config may hold, settings first (Python's order)."""
_known_keys(rule::AbstractString) = (filter(k -> haskey(DEFAULTS[rule], k), collect(_SETTING_ORDER))..., STATE_KEYS[rule]...)

function _config(rule::AbstractString, w, dw, config)
    w = _array("w", w)
    dw = _array("dw", dw)
    size(dw) == size(w) || throw(DimensionMismatch("dw has size $(size(dw)), w has $(size(w))"))
    config === nothing && (config = Dict{String,Any}())
    config isa AbstractDict || throw(ArgumentError("config must be a Dict or nothing, not $(typeof(config))"))
    valtype(config) === Any || (config = Dict{String,Any}(config))   # it will hold arrays
    known = _known_keys(rule)
    for key in keys(config)
        key in known || throw(ArgumentError("config has a key $(repr(key)) that $rule does not use; its keys: $(join(known, ", "))"))
    end
    for (key, default) in DEFAULTS[rule]
        haskey(config, key) || (config[key] = default)
        _SETTING_CHECKS[key]("config['$key']", config[key])
    end
    return w, dw, config
end

"""A copy of the state array `config[key]` (zeros like w when missing)."""
function _state(config, key::AbstractString, w)
    haskey(config, key) || return zeros(size(w))
    s = _array("config['$key']", config[key])
    size(s) == size(w) || throw(DimensionMismatch("config['$key'] has size $(size(s)), w has $(size(w))"))
    return copy(s)
end

"""
    sgd(w, dw, config=nothing) -> (next_w, config)

next_w = w − learning_rate·dw ("learning_rate" default 1e-2).
"""
function sgd(w, dw, config=nothing)
    w, dw, config = _config("sgd", w, dw, config)
    next_w = copy(w)
    _sgd!(next_w, dw, config["learning_rate"])
    return next_w, config
end

"""
    sgd_momentum(w, dw, config=nothing) -> (next_w, config)

v = momentum·v − learning_rate·dw; next_w = w + v ("momentum" 0.9, "velocity").
"""
function sgd_momentum(w, dw, config=nothing)
    w, dw, config = _config("sgd_momentum", w, dw, config)
    v = _state(config, "velocity", w)
    next_w = copy(w)
    _momentum!(next_w, dw, v, config["learning_rate"], config["momentum"])
    config["velocity"] = v
    return next_w, config
end

"""
    rmsprop(w, dw, config=nothing) -> (next_w, config)

cache = decay_rate·cache + (1 − decay_rate)·dw²; next_w = w − learning_rate·dw / (√cache + epsilon).
"""
function rmsprop(w, dw, config=nothing)
    w, dw, config = _config("rmsprop", w, dw, config)
    cache = _state(config, "cache", w)
    next_w = copy(w)
    _rmsprop!(next_w, dw, cache, config["learning_rate"], config["decay_rate"], config["epsilon"])
    config["cache"] = cache
    return next_w, config
end

"""
    adam(w, dw, config=nothing) -> (next_w, config)

Adam with bias correction, t incremented first ("beta1" 0.9, "beta2" 0.999,
"epsilon" 1e-8, "m", "v", "t"). βᵗ is the C library's pow, as Python's float ** int.
"""
function adam(w, dw, config=nothing)
    w, dw, config = _config("adam", w, dw, config)
    m = _state(config, "m", w)
    v = _state(config, "v", w)
    t = check_nonnegative_int("config['t']", get(config, "t", 0)) + 1
    b1, b2 = Float64(config["beta1"]), Float64(config["beta2"])
    next_w = copy(w)
    _adam_paper!(next_w, dw, m, v, config["learning_rate"], 1 - c_pow(b1, Float64(t)), 1 - c_pow(b2, Float64(t)),
                 b1, b2, config["epsilon"])
    config["m"], config["v"], config["t"] = m, v, t
    return next_w, config
end

"""The rule of a name in UPDATE_RULES."""
_update_rule(name::AbstractString) =
    name == "sgd" ? sgd : name == "sgd_momentum" ? sgd_momentum : name == "rmsprop" ? rmsprop : adam

"""
    Verify

Checks a Julia port of the book's components against the book's Python code
(`pyref verify PORT.jl`), or against known-answer vectors written by `pyref vectors`
(`check_vectors`, plain Julia with `Test`).

A port file registers what it ports, one call per component:

    using PyRef.Verify
    verify_optimizer("Momentum"; hyper=(lr=0.01, momentum=0.9),
                     make=h -> MyMomentum(h.lr, h.momentum),
                     step=(opt, params, grads) -> update!(opt, params, grads),
                     layout=:dict)

pyref draws every input from numpy's stream (parameters, gradients, minibatches),
hands them to the port, runs the book's component on the same inputs and compares
every output of every step bit for bit. Components that draw random numbers
themselves (Dropout, a net's dropout layers) receive `rng`, a
`NumpyRandom.RandomState` in the state of the stream the book's component draws from.
"""
module Verify

using Test
using ..PyRef: read_npy, Bridge
using ..NumpyRandom: RandomState
import ..PyRef

export verify_optimizer, verify_layer, verify_function, verify_net, verify_training, check_vectors

"""The book's optimizers and their keyword names (`hyper`)."""
const OPTIMIZERS = Dict{String,Vector{Symbol}}(
    "SGD" => [:lr], "Momentum" => [:lr, :momentum], "Nesterov" => [:lr, :momentum],
    "AdaGrad" => [:lr], "RMSprop" => [:lr, :decay_rate], "Adam" => [:lr, :beta1, :beta2])

"""The book's layers, and the attributes each one's backward pass leaves for reading."""
const LAYERS = Dict{String,Vector{Symbol}}(
    "Affine" => [:dW, :db], "Relu" => Symbol[], "Sigmoid" => Symbol[],
    "SoftmaxWithLoss" => Symbol[], "BatchNormalization" => [:dgamma, :dbeta, :running_mean, :running_var],
    "Dropout" => Symbol[], "Convolution" => [:dW, :db], "Pooling" => Symbol[])

"""The book's functions."""
const FUNCTIONS = ["softmax", "cross_entropy_error", "sigmoid", "relu", "im2col", "col2im", "numerical_gradient"]

"""The book's nets."""
const NETS = ["MultiLayerNet", "MultiLayerNetExtend"]

"""How the port holds parameters: the built-in layouts."""
const LAYOUTS = (:dict, :symbol_dict, :vector, :nested)

"""One registered check: what it ports (`kind`, `component`), how to call the port
(`fns`), its settings and the file that registered it."""
struct Check
    label::String
    kind::String
    component::String
    fns::Dict{Symbol,Any}
    settings::Dict{String,Any}
    layout::Any
    file::String
end

const CHECKS = Check[]
const LOADING = Ref{String}("")
const PORT_FILES = String[]

_file() = isempty(LOADING[]) ? "" : LOADING[]

function _check_callable(name::AbstractString, f)
    f === nothing && throw(ArgumentError("$name is required: a function"))
    (f isa Function || !isempty(methods(f))) ||
        throw(ArgumentError("$name must be a function, not $(typeof(f))"))
    return f
end

function _check_layout(layout)
    layout isa Symbol && layout in LAYOUTS && return layout
    if layout isa Tuple && length(layout) == 2
        _check_callable("layout's to_port", layout[1])
        _check_callable("layout's from_port", layout[2])
        return layout
    end
    throw(ArgumentError("layout must be one of $(join(map(repr, LAYOUTS), ", ")) or a pair " *
                        "of functions (to_port, from_port), not $(repr(layout))"))
end

function _settings(nt)
    nt isa NamedTuple || throw(ArgumentError("settings must be a NamedTuple such as (lr=0.01,), not $(typeof(nt))"))
    return Dict{String,Any}(string(k) => v for (k, v) in pairs(nt))
end

function _register(c::Check)
    any(x -> x.label == c.label, CHECKS) &&
        throw(ArgumentError("a check labelled \"$(c.label)\" is already registered: give label=\"...\""))
    push!(CHECKS, c)
    return c
end

_check_label(label) = label isa AbstractString && !isempty(label) ? String(label) :
    throw(ArgumentError("label must be a non-empty string, not $(repr(label))"))

"""
    verify_optimizer(name; hyper=NamedTuple(), make, step, layout=:dict, label=name)

Register a port of the book's optimizer `name` ("SGD", "Momentum", "Nesterov",
"AdaGrad", "RMSprop", "Adam").

Arguments:
- `hyper`: the book's keyword names and values (`lr`, `momentum`, `decay_rate`,
  `beta1`, `beta2`); the book's defaults for the ones left out.
- `make(hyper)`: builds the port's optimizer; `hyper` is a NamedTuple.
- `step(opt, params, grads)`: one update; it may change `params` in place or return
  the new parameters (a value of the layout's container type).
- `layout`: how the port holds `W1, b1, W2, b2`: `:dict` (`Dict{String,Array{Float64}}`),
  `:symbol_dict`, `:vector` (`[W1, b1, W2, b2]`), `:nested` (`[[W1, b1], [W2, b2]]`),
  or `(to_port, from_port)`: `to_port(d::Dict{String})` makes the port's container and
  `from_port(p)` gives back a `Dict{String}` with the book's keys.

Returns the registered check.
"""
function verify_optimizer(name::AbstractString; hyper=NamedTuple(), make=nothing, step=nothing,
                          layout=:dict, label=name)
    haskey(OPTIMIZERS, name) ||
        throw(ArgumentError("name must be one of the book's optimizers $(join(sort(collect(keys(OPTIMIZERS))), ", ")), not \"$name\""))
    settings = _settings(hyper)
    for k in keys(settings)
        Symbol(k) in OPTIMIZERS[name] ||
            throw(ArgumentError("hyper has $k, which the book's $name does not take (it takes $(join(OPTIMIZERS[name], ", ")))"))
    end
    fns = Dict{Symbol,Any}(:make => _check_callable("make", make), :step => _check_callable("step", step))
    return _register(Check(_check_label(label), "optimizer", String(name), fns, settings, _check_layout(layout), _file()))
end

"""
    verify_layer(name; make, forward, backward, grads=nothing, settings=NamedTuple(), label=name)

Register a port of the book's layer `name` (Affine, Relu, Sigmoid, SoftmaxWithLoss,
BatchNormalization, Dropout, Convolution, Pooling).

Arguments:
- `make(args)`: builds the layer from a NamedTuple of the book's constructor
  arguments: `(W, b)` for Affine, `(W, b, stride, pad)` for Convolution,
  `(pool_h, pool_w, stride, pad)` for Pooling, `(gamma, beta, momentum)` for
  BatchNormalization, `(dropout_ratio, rng)` for Dropout, `()` otherwise.
- `forward(layer, x)`, called as the book calls it: `forward(layer, x, t)` for
  SoftmaxWithLoss (t one-hot), `forward(layer, x, train_flg)` for BatchNormalization
  and Dropout. `x` is (N, D), or (N, C, H, W) for Convolution and Pooling.
- `backward(layer, dout)`: returns dx (`dout` is 1.0 for SoftmaxWithLoss).
- `grads(layer)`: the attributes the book reads after backward (`dW`, `db`; `dgamma`,
  `dbeta`, `running_mean`, `running_var`) as a NamedTuple or Dict; by default the
  layer's fields of those names.
- `settings`: overrides of the check's own sizes (`batch`, `stride`, `pad`, ...).
"""
function verify_layer(name::AbstractString; make=nothing, forward=nothing, backward=nothing,
                      grads=nothing, settings=NamedTuple(), label=name)
    haskey(LAYERS, name) ||
        throw(ArgumentError("name must be one of the book's layers $(join(sort(collect(keys(LAYERS))), ", ")), not \"$name\""))
    fns = Dict{Symbol,Any}(:make => _check_callable("make", make),
                           :forward => _check_callable("forward", forward),
                           :backward => _check_callable("backward", backward))
    grads === nothing || (fns[:grads] = _check_callable("grads", grads))
    return _register(Check(_check_label(label), "layer", String(name), fns, _settings(settings), :dict, _file()))
end

"""
    verify_function(name, f; label=name)

Register a port `f` of the book's function `name` (softmax, cross_entropy_error,
sigmoid, relu, im2col, col2im, numerical_gradient), called with the book's
positional arguments: `softmax(x)`, `cross_entropy_error(y, t)` (t one-hot),
`im2col(input_data, filter_h, filter_w, stride, pad)`, `col2im(col, input_shape,
filter_h, filter_w, stride, pad)` (`input_shape` a tuple), `numerical_gradient(f, x)`.
"""
function verify_function(name::AbstractString, f; label=name)
    name in FUNCTIONS ||
        throw(ArgumentError("name must be one of the book's functions $(join(FUNCTIONS, ", ")), not \"$name\""))
    fns = Dict{Symbol,Any}(:f => _check_callable("f", f))
    return _register(Check(_check_label(label), "function", String(name), fns, Dict{String,Any}(), :dict, _file()))
end

"""
    verify_net(name="MultiLayerNet"; make, loss, gradient, layout=:dict, net=NamedTuple(), label=name)

Register a port of the book's net `name` (MultiLayerNet or MultiLayerNetExtend):
its loss and gradient on numpy-drawn parameters and minibatches.

Arguments:
- `make(args)`: builds the net from a NamedTuple of the book's constructor arguments
  (`input_size`, `hidden_size_list`, `output_size`, `activation`, `weight_init_std`,
  `weight_decay_lambda`, and for MultiLayerNetExtend `use_dropout`, `dropout_ration`,
  `use_batchnorm`), plus `params` (the parameters to use, in the port's `layout`) and
  `rng` (for its dropout masks).
- `loss(net, x, t)`: the loss (a number); `x` is (N, input_size), `t` one-hot.
- `gradient(net, x, t)`: the gradients, in the port's `layout`.
- `net`: overrides of the constructor arguments (`hidden_size_list=[5, 4]`, ...).
"""
function verify_net(name::AbstractString="MultiLayerNet"; make=nothing, loss=nothing, gradient=nothing,
                    layout=:dict, net=NamedTuple(), label=name)
    name in NETS || throw(ArgumentError("name must be one of the book's nets $(join(NETS, ", ")), not \"$name\""))
    fns = Dict{Symbol,Any}(:make => _check_callable("make", make), :loss => _check_callable("loss", loss),
                           :gradient => _check_callable("gradient", gradient))
    return _register(Check(_check_label(label), "net", String(name), fns, _settings(net), _check_layout(layout), _file()))
end

"""
    verify_training(label; make, step, params=nothing, layout=:dict, net=NamedTuple(),
                    optimizer="SGD", hyper=NamedTuple(), batch_size=8)

Register a training loop of the port: the book's `Trainer.train_step` (gradient,
optimizer update, loss) on a MultiLayerNet(Extend), one numpy-drawn minibatch per step.

Arguments:
- `make(args)`: builds the port's state (net and optimizer) from a NamedTuple: the
  net's constructor arguments with `params` (in `layout`) and `rng`, `optimizer`
  (the book's name) and `hyper`.
- `step(state, x_batch, t_batch)`: one training step; returns the loss after the update.
- `params(state)`: the current parameters in `layout` (default: `state.params`).
"""
function verify_training(label::AbstractString; make=nothing, step=nothing, params=nothing, layout=:dict,
                         net=NamedTuple(), optimizer="SGD", hyper=NamedTuple(), batch_size=8)
    haskey(OPTIMIZERS, optimizer) ||
        throw(ArgumentError("optimizer must be one of the book's optimizers, not \"$optimizer\""))
    (batch_size isa Integer && batch_size >= 1) ||
        throw(ArgumentError("batch_size must be a positive integer, not $(repr(batch_size))"))
    fns = Dict{Symbol,Any}(:make => _check_callable("make", make), :step => _check_callable("step", step))
    params === nothing || (fns[:params] = _check_callable("params", params))
    settings = Dict{String,Any}("net" => _settings(net), "optimizer" => String(optimizer),
                                "hyper" => _settings(hyper), "batch_size" => Int(batch_size))
    component = any(k -> k in ("use_dropout", "use_batchnorm"), keys(settings["net"])) ? "MultiLayerNetExtend" : "MultiLayerNet"
    return _register(Check(_check_label(label), "training", component, fns, settings, _check_layout(layout), _file()))
end

# ---------------------------------------------------------------------------
# Loading port files (what `pyref verify` calls through the bridge).
# ---------------------------------------------------------------------------

function _describe(c::Check)
    return Dict{String,Any}("label" => c.label, "kind" => c.kind, "component" => c.component,
                            "settings" => c.settings, "file" => c.file)
end

"""Forget every registered check (a fresh run)."""
function clear!()
    empty!(CHECKS)
    empty!(PORT_FILES)
    return nothing
end

"""
    load_port(path) -> Vector{Dict}

Include the port file `path` into a module of its own (so that several ports may
each define `SGD`) and return the checks it registered (label, kind, component,
settings, file).
"""
function load_port(path::AbstractString)
    file = abspath(path)
    isfile(file) || throw(ArgumentError("port file $path does not exist"))
    before = length(CHECKS)
    mod = Module(Symbol("Port", length(PORT_FILES) + 1, "_", replace(splitext(basename(file))[1], r"[^A-Za-z0-9_]" => "_")))
    Core.eval(mod, :(include(p::AbstractString) = Base.include($mod, p)))
    Core.eval(mod, :(eval(x) = Core.eval($mod, x)))
    push!(PORT_FILES, file)
    LOADING[] = file
    try
        Base.include(mod, file)
    catch err
        resize!(CHECKS, before)
        err isa LoadError || rethrow()
        inner = err.error isa LoadError ? err.error : err
        msg = first(split(sprint(showerror, inner.error), '\n'))
        throw(ArgumentError("$(inner.file):$(inner.line): $msg"))
    finally
        LOADING[] = ""
    end
    return [_describe(c) for c in CHECKS[before+1:end]]
end

"""The registered checks (as `load_port` describes them)."""
checks() = [_describe(c) for c in CHECKS]

# ---------------------------------------------------------------------------
# Layouts.
# ---------------------------------------------------------------------------

_array(x::AbstractArray) = Array{Float64}(x)
_array(x::Real) = fill(Float64(x))

function to_port(layout, d::AbstractDict, keys::Vector{String})
    if layout === :dict
        return Dict{String,Array{Float64}}(k => _array(d[k]) for k in keys)
    elseif layout === :symbol_dict
        return Dict{Symbol,Array{Float64}}(Symbol(k) => _array(d[k]) for k in keys)
    elseif layout === :vector
        return Array{Float64}[_array(d[k]) for k in keys]
    elseif layout === :nested
        return [Array{Float64}[_array(d[k]) for k in group] for group in _groups(keys)]
    else
        return layout[1](Dict{String,Array{Float64}}(k => _array(d[k]) for k in keys))
    end
end

"""The book's keys grouped by layer: W1 b1 | W2 b2 | ... (gamma/beta with their layer)."""
function _groups(keys::Vector{String})
    groups = Vector{String}[]
    index = Dict{String,Int}()
    for k in keys
        n = match(r"\d+$", k)
        layer = n === nothing ? k : n.match
        if !haskey(index, layer)
            push!(groups, String[])
            index[layer] = length(groups)
        end
        push!(groups[index[layer]], k)
    end
    return groups
end

_get(p::AbstractDict, k) = haskey(p, k) ? p[k] :
    throw(ArgumentError("the port's parameters have no entry $(repr(k)); they have $(join(map(repr, collect(keys(p))), ", "))"))

function _item(p::AbstractVector, i::Int, what::String)
    i <= length(p) || throw(DimensionMismatch("the port's parameters have $(length(p)) entries; $what needs entry $i"))
    return p[i]
end

function from_port(layout, p, keys::Vector{String})
    out = Dict{String,Any}()
    if layout === :dict || layout === :symbol_dict
        p isa AbstractDict || throw(ArgumentError("layout $(repr(layout)): the port's parameters are a $(typeof(p)), not a Dict"))
        for k in keys
            out[k] = _output(_get(p, layout === :dict ? k : Symbol(k)), "parameter $k")
        end
    elseif layout === :vector
        p isa AbstractVector || throw(ArgumentError("layout :vector: the port's parameters are a $(typeof(p)), not a Vector"))
        for (i, k) in enumerate(keys)
            out[k] = _output(_item(p, i, k), "parameter $k")
        end
    elseif layout === :nested
        p isa AbstractVector || throw(ArgumentError("layout :nested: the port's parameters are a $(typeof(p)), not a Vector"))
        for (i, group) in enumerate(_groups(keys)), (j, k) in enumerate(group)
            out[k] = _output(_item(_item(p, i, "layer $i"), j, k), "parameter $k")
        end
    else
        d = layout[2](p)
        d isa AbstractDict || throw(ArgumentError("from_port returned a $(typeof(d)), not a Dict with the book's keys"))
        for k in keys
            out[k] = _output(haskey(d, k) ? d[k] : _get(d, Symbol(k)), "parameter $k")
        end
    end
    return out
end

"""Whether `ret`, what a port's step returned, is the new parameters."""
function _returned_params(layout, ret, p)
    ret === nothing && return false
    layout === :dict || layout === :symbol_dict ? ret isa AbstractDict :
    layout === :vector || layout === :nested ? ret isa AbstractVector && length(ret) == length(p) :
    !(ret isa Number)
end

# ---------------------------------------------------------------------------
# Running one check on pyref's inputs.
# ---------------------------------------------------------------------------

_nt(d::AbstractDict) = (; (Symbol(k) => v for (k, v) in d)...)
_strings(v) = String[string(x) for x in v]
_onehot(t) = Array{Float64}(t)
_scalar(x::Real) = Float64(x)
_scalar(x::AbstractArray) = length(x) == 1 ? Float64(first(x)) :
    throw(DimensionMismatch("the port returned an array of size $(size(x)) where the book returns a number"))
_scalar(x) = throw(ArgumentError("the port returned $(_returned(x)) where the book returns a number"))

function _attributes(c::Check, layer)
    names = LAYERS[c.component]
    isempty(names) && return Dict{String,Any}()
    if haskey(c.fns, :grads)
        g = c.fns[:grads](layer)
        return Dict{String,Any}(string(n) => _output(g isa AbstractDict ? (haskey(g, n) ? g[n] : g[string(n)]) : getproperty(g, n), "grads(layer).$n") for n in names)
    end
    for n in names
        hasproperty(layer, n) ||
            throw(ArgumentError("the port's $(c.component) has no field $n: pass grads = layer -> ($(join(("$m = ..." for m in names), ", ")))"))
    end
    return Dict{String,Any}(string(n) => _output(getproperty(layer, n), "$(c.component).$n") for n in names)
end

"""What the port's `what` returned, as the comparison takes it: a copy of an array of
numbers, or a number; anything else is an ArgumentError saying what came back."""
_output(x::AbstractArray{<:Real}, what) = Array{Float64}(x)
_output(x::Real, what) = Float64(x)
_output(x, what) = throw(ArgumentError("the port's $what returned $(_returned(x)), not an array of numbers"))

"""A returned value as an error message names it: `nothing`, or `a T`."""
_returned(x) = x === nothing ? "nothing" : "a $(typeof(x))"

_copyarg(x::AbstractArray) = copy(x)
_copyarg(x) = x

function _run_optimizer(c::Check, inputs)
    keys = _strings(inputs["keys"])
    opt = c.fns[:make](_nt(inputs["hyper"]))
    p = to_port(c.layout, inputs["params"], keys)
    trail = Any[]
    for g in inputs["grads"]
        ret = c.fns[:step](opt, p, to_port(c.layout, g, keys))
        _returned_params(c.layout, ret, p) && (p = ret)
        push!(trail, from_port(c.layout, p, keys))
    end
    return trail
end

function _layer_args(c::Check, args, rng)
    d = Dict{Symbol,Any}(Symbol(k) => _copyarg(v) for (k, v) in args)
    c.component == "Dropout" && (d[:rng] = rng)
    return (; d...)
end

function _run_layer(c::Check, inputs, rng)
    layer = c.fns[:make](_layer_args(c, inputs["args"], rng))
    fwd, bwd = c.fns[:forward], c.fns[:backward]
    trail = Any[]
    for s in inputs["steps"]
        rec = Dict{String,Any}()
        x = copy(s["x"])
        if c.component == "SoftmaxWithLoss"
            rec["out"] = _scalar(fwd(layer, x, _onehot(s["t"])))
            rec["dx"] = _output(bwd(layer, 1.0), "backward")
        elseif c.component in ("BatchNormalization", "Dropout")
            rec["out"] = _output(fwd(layer, x, true), "forward")
            rec["dx"] = _output(bwd(layer, copy(s["dout"])), "backward")
            merge!(rec, _attributes(c, layer))
            rec["out_test"] = _output(fwd(layer, copy(s["x_test"]), false), "forward")
        else
            rec["out"] = _output(fwd(layer, x), "forward")
            rec["dx"] = _output(bwd(layer, copy(s["dout"])), "backward")
            merge!(rec, _attributes(c, layer))
        end
        push!(trail, rec)
    end
    return trail
end

"""The function the numerical-gradient check differentiates: numpy's np.sum(x**2)."""
_sum_squares(x) = PyRef.np_sum(x .* x)

function _run_function(c::Check, inputs)
    f = c.fns[:f]
    trail = Any[]
    for s in inputs["steps"]
        a = s["args"]
        out = if c.component == "cross_entropy_error"
            _scalar(f(copy(a[1]), _onehot(a[2])))
        elseif c.component == "im2col"
            f(copy(a[1]), Int(a[2]), Int(a[3]), Int(a[4]), Int(a[5]))
        elseif c.component == "col2im"
            f(copy(a[1]), Tuple(Int.(a[2])), Int(a[3]), Int(a[4]), Int(a[5]), Int(a[6]))
        elseif c.component == "numerical_gradient"
            f(_sum_squares, copy(a[1]))
        else
            f(copy(a[1]))
        end
        push!(trail, Dict{String,Any}("out" => _output(out, c.component)))
    end
    return trail
end

function _net_args(c::Check, args, keys, rng, layout)
    d = Dict{Symbol,Any}(Symbol(k) => v for (k, v) in args if k != "params")
    haskey(d, :hidden_size_list) && (d[:hidden_size_list] = Int.(d[:hidden_size_list]))
    d[:params] = to_port(layout, args["params"], keys)
    d[:rng] = rng
    return d
end

function _run_net(c::Check, inputs, rng)
    keys = _strings(inputs["keys"])
    net = c.fns[:make]((; _net_args(c, inputs["args"], keys, rng, c.layout)...))
    trail = Any[]
    for s in inputs["steps"]
        x, t = copy(s["x"]), _onehot(s["t"])
        rec = Dict{String,Any}("loss" => _scalar(c.fns[:loss](net, x, t)))
        merge!(rec, from_port(c.layout, c.fns[:gradient](net, copy(x), copy(t)), keys))
        push!(trail, rec)
    end
    return trail
end

function _run_training(c::Check, inputs, rng)
    keys = _strings(inputs["keys"])
    d = _net_args(c, inputs["args"], keys, rng, c.layout)
    d[:optimizer] = c.settings["optimizer"]
    d[:hyper] = _nt(inputs["hyper"])
    state = c.fns[:make]((; d...))
    params = get(c.fns, :params, s -> hasproperty(s, :params) ? s.params :
        throw(ArgumentError("the port's state has no field params: pass params = state -> ...")))
    trail = Any[]
    for s in inputs["steps"]
        rec = Dict{String,Any}("loss" => _scalar(c.fns[:step](state, copy(s["x"]), _onehot(s["t"]))))
        merge!(rec, from_port(c.layout, params(state), keys))
        push!(trail, rec)
    end
    return trail
end

function _find(label::AbstractString)
    i = findfirst(c -> c.label == label, CHECKS)
    i === nothing && throw(ArgumentError("no check labelled \"$label\" is registered"))
    return CHECKS[i]
end

"""
    run_check(label, inputs) -> Dict

Run the registered check `label` on pyref's `inputs` (a Dict as pyref.verify builds
it) and return `{"ok" => true, "steps" => [outputs of each step]}`, or `{"ok" =>
false, "error" => {type, message, frames}}` when the port threw (`frames`: its
stack frames in user files, file:line).
"""
function run_check(label::AbstractString, inputs::AbstractDict)
    c = _find(label)
    rng = RandomState(Int(inputs["seed"]))
    try
        trail = c.kind == "optimizer" ? _run_optimizer(c, inputs) :
                c.kind == "layer" ? _run_layer(c, inputs, rng) :
                c.kind == "function" ? _run_function(c, inputs) :
                c.kind == "net" ? _run_net(c, inputs, rng) : _run_training(c, inputs, rng)
        return Dict{String,Any}("ok" => true, "steps" => trail)
    catch err
        bt = catch_backtrace()
        return Dict{String,Any}("ok" => false, "error" => Dict{String,Any}(
            "type" => string(nameof(typeof(err))), "message" => sprint(showerror, err),
            "frames" => Bridge.user_frames(bt)))
    end
end

# ---------------------------------------------------------------------------
# Known-answer vectors (written by `pyref vectors`), checked with Test.
# ---------------------------------------------------------------------------

"""Replace {"__npy__": file} references in the manifest by the arrays they name."""
function _resolve(x, dir::AbstractString)
    if x isa AbstractDict
        haskey(x, "__npy__") && return read_npy(joinpath(dir, x["__npy__"]))
        return Dict{String,Any}(string(k) => _resolve(v, dir) for (k, v) in x)
    elseif x isa AbstractVector
        return Any[_resolve(v, dir) for v in x]
    end
    return x
end

_bits_equal(a::Real, b::Real) = isequal(Float64(a), Float64(b))
_bits_equal(a::AbstractArray, b::AbstractArray) = size(a) == size(b) && all(isequal.(Float64.(a), Float64.(b)))
_bits_equal(a, b) = false

"""The vectors' cases in `dir` (manifest.json and its .npy files)."""
function read_vectors(dir::AbstractString)
    manifest = joinpath(dir, "manifest.json")
    isfile(manifest) || throw(ArgumentError("$dir has no manifest.json: write it with `pyref vectors ... --out $dir`"))
    m = Bridge.parse_json(read(manifest, String))
    (m isa AbstractDict && get(m, "format", nothing) == "pyref-vectors-1") ||
        throw(ArgumentError("$manifest is not a pyref vectors manifest (format pyref-vectors-1)"))
    return [_resolve(case, dir) for case in m["cases"]]
end

"""
    check_vectors(dir, checks...)

Check ports against the known-answer vectors in `dir` (written by
`pyref vectors COMPONENT... --out DIR`), from plain Julia: one `@testset` per
check, one `@test` per output and step, every bit compared. `checks` are what
`verify_optimizer`, `verify_layer`, ... return; without them, every registered one.
Each check is run on the case of its component (kind and name).
"""
function check_vectors(dir::AbstractString, checks::Check...)
    cases = read_vectors(dir)
    todo = isempty(checks) ? copy(CHECKS) : collect(checks)
    isempty(todo) && throw(ArgumentError("no checks given and none registered"))
    @testset "pyref vectors" begin
        for c in todo
            @testset "$(c.label)" begin
                i = findfirst(k -> k["kind"] == c.kind && k["component"] == c.component, cases)
                if i === nothing
                    @error "$(c.label): $dir has no vectors for $(c.kind) $(c.component)"
                    @test i !== nothing
                    continue
                end
                case = cases[i]
                if c.kind == "training"
                    for key in ("optimizer", "batch_size")
                        case["settings"][key] == c.settings[key] ||
                            throw(ArgumentError("$(c.label): the vectors in $dir were made with $key=$(case["settings"][key]), the check has $(c.settings[key])"))
                    end
                end
                res = run_check(c.label, case["inputs"])
                if !res["ok"]
                    e = res["error"]
                    @error "$(c.label) threw $(e["type"]): $(e["message"])" frames = join(e["frames"], "\n")
                    @test res["ok"]
                    continue
                end
                for (s, (got, want)) in enumerate(zip(res["steps"], case["outputs"]))
                    for name in sort(collect(keys(want)))
                        ok = haskey(got, name) && _bits_equal(got[name], want[name])
                        ok || @info "$(c.label): output $name differs at step $(s - 1)"
                        @test ok
                    end
                end
            end
        end
    end
end

end # module

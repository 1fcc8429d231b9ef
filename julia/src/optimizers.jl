# The optimizers of 6.1 (twin of pyref/optimizers.py). Each rule is a small mutable
# struct holding its hyperparameters and its state under the book's names (`nothing`
# until the first update, unless set by the user); `update!(opt, params, grads)`
# changes the parameter arrays in place, in numpy's order of operations.

# A parameter (pyref's Param also allows a plain float, for the 2-D toy problem of 6.1.7).
const Param = AbstractArray{Float64}
const Params = Dict{String,Param}
const DEFAULT_EPS = 1e-7
const ADAM_FORMS = ("textbook", "paper")

function check_update_args(params::AbstractDict, grads::AbstractDict, state=nothing, state_name::AbstractString="")
    for (key, val) in params
        haskey(grads, key) || throw(ArgumentError("grads has no entry for parameter \"$key\""))
        size(grads[key]) == size(val) ||
            throw(DimensionMismatch("grads[\"$key\"] has size $(size(grads[key])), params[\"$key\"] has $(size(val))"))
        state === nothing || haskey(state, key) ||
            throw(ArgumentError("params has \"$key\", which it did not have at the first update: $state_name has " *
                                "state for $(join(("\"$k\"" for k in sort!(collect(keys(state)))), ", ")) only"))
    end
end

# Each optimizer's positional constructor checks its hyperparameters as the keyword
# one does (SGD(-0.1) is an ArgumentError, as SGD(lr=-0.1) and pyref's SGD(-0.1)).

"""Zeros shaped and laid out like each parameter (C-ordered weights stay C-ordered)."""
zeros_like(params::AbstractDict) = Params(k => _zeros_like(v) for (k, v) in params)
_zeros_like(v::CMatrix) = transpose(zeros(size(parent(v))))
_zeros_like(v::AbstractArray) = zeros(size(v))

"""The arrays an elementwise rule runs on: when all are C-ordered, their buffers
(read in memory order; the arithmetic is per element, so the same)."""
_parents_if_c_ordered(arrays...) = all(a -> a isa CMatrix, arrays) ? map(parent, arrays) : arrays

"""
    SGD(; lr=0.01)

Stochastic gradient descent: W ← W − lr·dW.

# Arguments
- `lr`: learning rate, > 0.
"""
mutable struct SGD
    lr::Float64
    SGD(lr) = new(check_positive("lr", lr))
end
SGD(; lr=0.01) = SGD(lr)

_sgd!(p, g, lr) = (p .-= lr .* g; nothing)

"""
    Momentum(; lr=0.01, momentum=0.9)

Momentum SGD: v ← momentum·v − lr·dW; W ← W + v. Its state `v` is made at the first update.

# Arguments
- `lr`: learning rate, > 0.
- `momentum`: weight of the old velocity, in [0, 1).
"""
mutable struct Momentum
    lr::Float64
    momentum::Float64
    v::Union{Nothing,Params}
    Momentum(lr, momentum, v=nothing) = new(check_positive("lr", lr), check_unit_interval("momentum", momentum), v)
end
Momentum(; lr=0.01, momentum=0.9) = Momentum(lr, momentum)

function _momentum!(p, g, v, lr, m)
    v .*= m
    v .-= lr .* g
    p .+= v
    return nothing
end

"""
    Nesterov(; lr=0.01, momentum=0.9)

Nesterov in the book's form: W ← W + m²·v − (1+m)·lr·dW, then v ← m·v − lr·dW.
Its state `v` is made at the first update.

# Arguments
- `lr`: learning rate, > 0.
- `momentum`: weight of the old velocity, in [0, 1).
"""
mutable struct Nesterov
    lr::Float64
    momentum::Float64
    v::Union{Nothing,Params}
    Nesterov(lr, momentum, v=nothing) = new(check_positive("lr", lr), check_unit_interval("momentum", momentum), v)
end
Nesterov(; lr=0.01, momentum=0.9) = Nesterov(lr, momentum)

function _nesterov!(p, g, v, lr, m)
    p .+= (m * m) .* v
    p .-= ((1 + m) * lr) .* g
    v .*= m
    v .-= lr .* g
    return nothing
end

"""
    AdaGrad(; lr=0.01, eps=DEFAULT_EPS)

AdaGrad: h ← h + dW²; W ← W − lr·dW / (√h + eps). Its state `h` is made at the first update.

# Arguments
- `lr`: learning rate, > 0.
- `eps`: added to the square root's denominator, > 0.
"""
mutable struct AdaGrad
    lr::Float64
    eps::Float64
    h::Union{Nothing,Params}
    AdaGrad(lr, eps=DEFAULT_EPS, h=nothing) = new(check_positive("lr", lr), check_positive("eps", eps), h)
end
AdaGrad(; lr=0.01, eps=DEFAULT_EPS) = AdaGrad(lr, eps)

function _adagrad!(p, g, h, lr, eps)
    h .+= g .* g
    p .-= lr .* g ./ (sqrt.(h) .+ eps)
    return nothing
end

"""
    RMSprop(; lr=0.01, decay_rate=0.99, eps=DEFAULT_EPS)

RMSprop: h ← d·h + (1−d)·dW²; W ← W − lr·dW / (√h + eps). Its state `h` is made at the
first update.

# Arguments
- `lr`: learning rate, > 0.
- `decay_rate`: weight of the old average of squares, in [0, 1).
- `eps`: added to the square root's denominator, > 0.
"""
mutable struct RMSprop
    lr::Float64
    decay_rate::Float64
    eps::Float64
    h::Union{Nothing,Params}
    RMSprop(lr, decay_rate=0.99, eps=DEFAULT_EPS, h=nothing) = new(check_positive("lr", lr),
        check_unit_interval("decay_rate", decay_rate), check_positive("eps", eps), h)
end
RMSprop(; lr=0.01, decay_rate=0.99, eps=DEFAULT_EPS) = RMSprop(lr, decay_rate, eps)

function _rmsprop!(p, g, h, lr, d, eps)
    h .*= d
    h .+= (1 - d) .* g .* g
    p .-= lr .* g ./ (sqrt.(h) .+ eps)
    return nothing
end

"""
    Adam(; lr=0.001, beta1=0.9, beta2=0.999, eps=DEFAULT_EPS, form="textbook")

Adam (Kingma & Ba). Its state `m`, `v` is made at the first update.

# Arguments
- `lr`: learning rate, > 0.
- `beta1`, `beta2`: decay rates of the first and second moments, in [0, 1).
- `eps`: added to the square root's denominator, > 0.
- `form`: `"textbook"` folds the bias corrections into lr_t = lr·√(1−β2ᵗ)/(1−β1ᵗ) as the
  book does; `"paper"` is the paper's Algorithm 1.

# Notes
βᵗ is the C library's pow, as Python's float ** int is.
"""
mutable struct Adam
    lr::Float64
    beta1::Float64
    beta2::Float64
    eps::Float64
    form::String
    iter::Int
    m::Union{Nothing,Params}
    v::Union{Nothing,Params}
    function Adam(lr, beta1=0.9, beta2=0.999, eps=DEFAULT_EPS, form="textbook", iter=0, m=nothing, v=nothing)
        (iter isa Integer && !(iter isa Bool) && iter >= 0) ||
            throw(ArgumentError("iter must be an integer >= 0, got $(repr(iter))"))
        return new(check_positive("lr", lr), check_unit_interval("beta1", beta1), check_unit_interval("beta2", beta2),
                   check_positive("eps", eps), check_choice("form", form, ADAM_FORMS), iter, m, v)
    end
end
Adam(; lr=0.001, beta1=0.9, beta2=0.999, eps=DEFAULT_EPS, form="textbook") = Adam(lr, beta1, beta2, eps, form)

function _adam_textbook!(p, g, m, v, lr_t, b1, b2, eps)
    m .+= (1 - b1) .* (g .- m)
    v .+= (1 - b2) .* (g .* g .- v)
    p .-= lr_t .* m ./ (sqrt.(v) .+ eps)
    return nothing
end
function _adam_paper!(p, g, m, v, lr, bias1, bias2, b1, b2, eps)
    m .*= b1
    m .+= (1 - b1) .* g
    v .*= b2
    v .+= (1 - b2) .* (g .* g)
    p .-= lr .* (m ./ bias1) ./ (sqrt.(v ./ bias2) .+ eps)
    return nothing
end

# ---------------------------------------------------------------------------
# One update! for every rule
# ---------------------------------------------------------------------------

"""The per-parameter state a rule keeps, by its fields' (the book's) names."""
_state_fields(::SGD) = ()
_state_fields(::Union{Momentum,Nesterov}) = (:v,)
_state_fields(::Union{AdaGrad,RMSprop}) = (:h,)
_state_fields(::Adam) = (:m, :v)

"""What one update shares across the parameters: the rule's elementwise kernel and
its scalars (Adam counts the step here and folds in its bias corrections)."""
_step_rule!(opt::SGD) = (_sgd!, (opt.lr,))
_step_rule!(opt::Momentum) = (_momentum!, (opt.lr, opt.momentum))
_step_rule!(opt::Nesterov) = (_nesterov!, (opt.lr, opt.momentum))
_step_rule!(opt::AdaGrad) = (_adagrad!, (opt.lr, opt.eps))
_step_rule!(opt::RMSprop) = (_rmsprop!, (opt.lr, opt.decay_rate, opt.eps))
function _step_rule!(opt::Adam)
    opt.iter += 1
    bias1 = 1.0 - c_pow(opt.beta1, Float64(opt.iter))
    bias2 = 1.0 - c_pow(opt.beta2, Float64(opt.iter))
    opt.form == "textbook" && return (_adam_textbook!, (opt.lr * sqrt(bias2) / bias1, opt.beta1, opt.beta2, opt.eps))
    return (_adam_paper!, (opt.lr, bias1, bias2, opt.beta1, opt.beta2, opt.eps))
end

const Optimizer = Union{SGD,Momentum,Nesterov,AdaGrad,RMSprop,Adam}

"""
    init!(opt, params)

Create the state `opt` lacks: zeros laid out as each parameter (pyref's `Optimizer.init`).

# Arguments
- `opt`: an optimizer.
- `params`: parameter name => array (any shape) or number.
"""
function init!(opt::Optimizer, params::AbstractDict)
    for f in _state_fields(opt)
        getfield(opt, f) === nothing && setfield!(opt, f, zeros_like(params))
    end
    return opt
end

"""
    update!(opt, params, grads)

One step of the rule `opt` on every parameter, in place: the arguments are checked,
the rule's state is created (zeros laid out as the parameters) on first use, then
the rule's kernel runs on each parameter with its gradient and state, in numpy's
order of operations (one driver for every rule, as Optimisers.jl's `apply!`).

# Arguments
- `opt`: an optimizer.
- `params`: parameter name => array (any shape) or number; changed in place.
- `grads`: the gradient of each parameter, same names and shapes.
"""
function update!(opt::Optimizer, params::AbstractDict, grads::AbstractDict)
    fields = _state_fields(opt)
    isempty(fields) && check_update_args(params, grads)
    for f in fields
        check_update_args(params, grads, getfield(opt, f), "$(nameof(typeof(opt))).$f")
    end
    init!(opt, params)
    kernel!, scalars = _step_rule!(opt)
    for (key, p) in params
        kernel!(_parents_if_c_ordered(p, grads[key], map(f -> getfield(opt, f)[key], fields)...)..., scalars...)
    end
    return nothing
end

"""Optimizer names (lower case) and their constructors."""
const OPTIMIZERS = Dict{String,Any}("sgd" => SGD, "momentum" => Momentum, "nesterov" => Nesterov,
                                    "adagrad" => AdaGrad, "rmsprop" => RMSprop, "adam" => Adam)
const OPTIMIZER_NAMES = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")

"""
    make_optimizer(name; kwargs...)

An optimizer from its name and keyword arguments.

# Arguments
- `name`: one of `OPTIMIZER_NAMES` (any case).
- `kwargs`: the rule's keyword arguments (`lr`, `momentum`, ...).

# Returns
A new optimizer.
"""
make_optimizer(name::AbstractString; kwargs...) = OPTIMIZERS[check_choice("optimizer", name, OPTIMIZER_NAMES)](; kwargs...)

export SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam, update!, init!, make_optimizer

# A port of the book's six optimizers: each a struct of settings and state, one
# `update!(opt, params, grads)` on a Dict of arrays, the book's arithmetic in the
# book's order (so every check comes out exact).
using PyRef.Verify
import PyRef   # c_pow: Python's float ** int is the C library's pow

abstract type Optimizer end
state(params) = Dict(k => zero(v) for (k, v) in params)

struct SGD <: Optimizer; lr::Float64; end
update!(o::SGD, p, g) = for k in keys(p); p[k] .-= o.lr .* g[k]; end

mutable struct Momentum <: Optimizer; lr::Float64; momentum::Float64; v; end
function update!(o::Momentum, p, g)
    o.v === nothing && (o.v = state(p))
    for k in keys(p)
        o.v[k] .= o.momentum .* o.v[k] .- o.lr .* g[k]
        p[k] .+= o.v[k]
    end
end

mutable struct Nesterov <: Optimizer; lr::Float64; momentum::Float64; v; end
function update!(o::Nesterov, p, g)
    o.v === nothing && (o.v = state(p))
    for k in keys(p)
        p[k] .+= o.momentum * o.momentum .* o.v[k]
        p[k] .-= (1 + o.momentum) * o.lr .* g[k]
        o.v[k] .= o.momentum .* o.v[k] .- o.lr .* g[k]
    end
end

mutable struct AdaGrad <: Optimizer; lr::Float64; h; end
function update!(o::AdaGrad, p, g)
    o.h === nothing && (o.h = state(p))
    for k in keys(p)
        o.h[k] .+= g[k] .* g[k]
        p[k] .-= o.lr .* g[k] ./ (sqrt.(o.h[k]) .+ 1e-7)
    end
end

mutable struct RMSprop <: Optimizer; lr::Float64; decay_rate::Float64; h; end
function update!(o::RMSprop, p, g)
    o.h === nothing && (o.h = state(p))
    for k in keys(p)
        o.h[k] .*= o.decay_rate
        o.h[k] .+= (1 - o.decay_rate) .* g[k] .* g[k]
        p[k] .-= o.lr .* g[k] ./ (sqrt.(o.h[k]) .+ 1e-7)
    end
end

mutable struct Adam <: Optimizer; lr::Float64; beta1::Float64; beta2::Float64; t::Int; m; v; end
function update!(o::Adam, p, g)
    o.m === nothing && (o.m = state(p); o.v = state(p))
    o.t += 1
    lr_t = o.lr * sqrt(1.0 - PyRef.c_pow(o.beta2, Float64(o.t))) / (1.0 - PyRef.c_pow(o.beta1, Float64(o.t)))
    for k in keys(p)
        o.m[k] .+= (1 - o.beta1) .* (g[k] .- o.m[k])
        o.v[k] .+= (1 - o.beta2) .* (g[k] .^ 2 .- o.v[k])
        p[k] .-= lr_t .* o.m[k] ./ (sqrt.(o.v[k]) .+ 1e-7)
    end
end

verify_optimizer("SGD"; make=h -> SGD(h.lr), step=update!)
verify_optimizer("Momentum"; make=h -> Momentum(h.lr, h.momentum, nothing), step=update!)
verify_optimizer("Nesterov"; make=h -> Nesterov(h.lr, h.momentum, nothing), step=update!)
verify_optimizer("AdaGrad"; make=h -> AdaGrad(h.lr, nothing), step=update!)
verify_optimizer("RMSprop"; make=h -> RMSprop(h.lr, h.decay_rate, nothing), step=update!)
verify_optimizer("Adam"; make=h -> Adam(h.lr, h.beta1, h.beta2, 0, nothing, nothing), step=update!)

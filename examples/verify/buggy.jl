# A port with the mistakes people make, one per check (docs/verify.md walks through it).
using PyRef.Verify
using Statistics

zeros_like(p) = Dict(k => zero(v) for (k, v) in p)

# Momentum: computes the velocity, then applies plain SGD (right at step 0 only).
mutable struct Momentum; lr; momentum; v; end
function update!(o::Momentum, p, g)
    o.v === nothing && (o.v = zeros_like(p))
    for k in keys(p)
        o.v[k] = o.momentum .* o.v[k] .- o.lr .* g[k]
        p[k] .-= o.lr .* g[k]
    end
end
verify_optimizer("Momentum"; make=h -> Momentum(h.lr, h.momentum, nothing), step=update!)

# Nesterov: updates v before using it (wrong from step 0).
mutable struct Nesterov; lr; momentum; v; end
function update!(o::Nesterov, p, g)
    o.v === nothing && (o.v = zeros_like(p))
    for k in keys(p)
        o.v[k] = o.momentum .* o.v[k] .- o.lr .* g[k]
        p[k] .+= o.momentum^2 .* o.v[k] .- (1 + o.momentum) * o.lr .* g[k]
    end
end
verify_optimizer("Nesterov"; make=h -> Nesterov(h.lr, h.momentum, nothing), step=update!)

# RMSprop: (1 - d) * g^2 where the book computes ((1 - d) * g) * g: rounding only.
mutable struct RMSprop; lr; decay_rate; h; end
function update!(o::RMSprop, p, g)
    o.h === nothing && (o.h = zeros_like(p))
    for k in keys(p)
        o.h[k] = o.decay_rate .* o.h[k] .+ (1 - o.decay_rate) .* (g[k] .^ 2)
        p[k] .-= o.lr .* g[k] ./ (sqrt.(o.h[k]) .+ 1e-7)
    end
end
verify_optimizer("RMSprop"; make=h -> RMSprop(h.lr, h.decay_rate, nothing), step=update!)

# Adam on nested parameters [[W1, b1], [W2, b2]]: its moments are kept per layer,
# and the update indexes them per array.
mutable struct Adam; lr; beta1; beta2; t; m; v; end
function update!(o::Adam, layers, grads)
    o.m === nothing && (o.m = [zero(l[1]) for l in layers]; o.v = [zero(l[1]) for l in layers])
    o.t += 1
    lr_t = o.lr * sqrt(1 - o.beta2^o.t) / (1 - o.beta1^o.t)
    for (i, (layer, glayer)) in enumerate(zip(layers, grads)), (j, (p, g)) in enumerate(zip(layer, glayer))
        m, v = o.m[j], o.v[j]
        m .+= (1 - o.beta1) .* (g .- m)
        v .+= (1 - o.beta2) .* (g .^ 2 .- v)
        p .-= lr_t .* m ./ (sqrt.(v) .+ 1e-7)
    end
end
verify_optimizer("Adam"; make=h -> Adam(h.lr, h.beta1, h.beta2, 0, nothing, nothing), step=update!,
                 layout=:nested)

# Batch Normalization with the sample variance (n - 1) where the book divides by n.
mutable struct BatchNorm; gamma; beta; momentum; running_mean; running_var
    xc; std; xn; dgamma; dbeta; end
BatchNorm(gamma, beta, momentum) = BatchNorm(gamma, beta, momentum, zero(gamma), zero(gamma),
                                             nothing, nothing, nothing, nothing, nothing)
function forward(l::BatchNorm, x, train)
    if train
        mu = vec(mean(x, dims=1))
        l.xc = x .- mu'
        var = vec(var_unbiased(l.xc))
        l.std = sqrt.(var .+ 1e-6)
        l.xn = l.xc ./ l.std'
        l.running_mean = l.momentum .* l.running_mean .+ (1 - l.momentum) .* mu
        l.running_var = l.momentum .* l.running_var .+ (1 - l.momentum) .* var
        xn = l.xn
    else
        xn = (x .- l.running_mean') ./ sqrt.(l.running_var .+ 1e-6)'
    end
    return l.gamma' .* xn .+ l.beta'
end
var_unbiased(xc) = sum(xc .^ 2, dims=1) ./ (size(xc, 1) - 1)
function backward(l::BatchNorm, dout)
    n = size(dout, 1)
    l.dbeta = vec(sum(dout, dims=1))
    l.dgamma = vec(sum(l.xn .* dout, dims=1))
    dxn = l.gamma' .* dout
    dxc = dxn ./ l.std'
    dstd = -sum((dxn .* l.xc) ./ (l.std .* l.std)', dims=1)
    dvar = 0.5 .* dstd ./ l.std'
    dxc = dxc .+ (2 / n) .* l.xc .* dvar
    dmu = sum(dxc, dims=1)
    return dxc .- dmu ./ n
end
verify_layer("BatchNormalization"; make=a -> BatchNorm(a.gamma, a.beta, a.momentum),
             forward=forward, backward=backward)

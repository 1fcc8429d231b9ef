# The Julia sides of my_scenarios.py: a Momentum written from the book (6.1.4), and a
# pixel count. PyRef provides numpy's random stream (NumpyRandom), so the parameters
# and gradients drawn here are numpy's, bit for bit.
module MyScenarios

using PyRef: NumpyRandom

"""Momentum SGD: v <- momentum * v - lr * grad, then param <- param + v."""
mutable struct Momentum
    lr::Float64
    momentum::Float64
    v::Dict{String,Array{Float64}}
end
Momentum(; lr=0.01, momentum=0.9) = Momentum(lr, momentum, Dict{String,Array{Float64}}())

function update!(opt::Momentum, params::Dict, grads::Dict)
    for (key, p) in params
        v = get!(() -> zero(p), opt.v, key)
        v .= opt.momentum .* v .- opt.lr .* grads[key]
        p .+= v
    end
    return params
end

"""The twin of pyref.parity.scenarios.optimizer_steps, for this port's Momentum."""
function optimizer_steps(; name, params, seed, steps, shape)
    name == "momentum" || throw(ArgumentError("this port has only momentum, not $name"))
    rs = NumpyRandom.RandomState(seed)
    p = Dict("W" => NumpyRandom.randn(rs, shape...), "b" => NumpyRandom.randn(rs, shape[end]))
    opt = Momentum(; lr=params["lr"], momentum=params["momentum"])
    W, b = zeros(steps, shape...), zeros(steps, shape[end])
    for k in 1:steps
        grads = Dict("W" => NumpyRandom.randn(rs, shape...), "b" => NumpyRandom.randn(rs, shape[end]))
        update!(opt, p, grads)
        W[k, :, :] = p["W"]
        b[k, :] = p["b"]
    end
    return Dict("W" => W, "b" => b)
end

"""How many pixels of each digit (rows of `x`) are brighter than `threshold`."""
bright_pixels(; x, t, threshold) = Dict("count" => vec(sum(x .> threshold; dims=2)), "labels" => t)

end

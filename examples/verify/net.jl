# A port of the book's MultiLayerNet and its training step, parameters in a Dict.
using PyRef.Verify

struct Net
    params::Dict{String,Array{Float64}}
    nlayers::Int
    lambda::Float64
end

softmax(x) = (e = exp.(x .- maximum(x, dims=2)); e ./ sum(e, dims=2))

function forward_all(net::Net, x)
    acts = Any[x]
    for i in 1:net.nlayers
        z = acts[end] * net.params["W$i"] .+ net.params["b$i"]'
        push!(acts, i < net.nlayers ? max.(z, 0.0) : z)
    end
    return acts
end

function loss(net::Net, x, t)
    y = softmax(forward_all(net, x)[end])
    ce = -sum(t .* log.(y .+ 1e-7)) / size(x, 1)
    decay = sum(0.5 * net.lambda * sum(net.params["W$i"] .^ 2) for i in 1:net.nlayers)
    return ce + decay
end

function gradient(net::Net, x, t)
    acts = forward_all(net, x)
    dz = (softmax(acts[end]) .- t) ./ size(x, 1)
    grads = Dict{String,Array{Float64}}()
    for i in net.nlayers:-1:1
        grads["W$i"] = acts[i]' * dz .+ net.lambda .* net.params["W$i"]
        grads["b$i"] = vec(sum(dz, dims=1))
        i > 1 && (dz = (dz * net.params["W$i"]') .* (acts[i] .> 0))
    end
    return grads
end

make_net(a) = Net(a.params, length(a.hidden_size_list) + 1, a.weight_decay_lambda)

verify_net("MultiLayerNet"; make=make_net, loss=loss, gradient=gradient)

mutable struct Training; net::Net; lr::Float64; end
function train_step!(s::Training, x, t)
    g = gradient(s.net, x, t)
    for (k, v) in s.net.params
        v .-= s.lr .* g[k]
    end
    return loss(s.net, x, t)
end
verify_training("MultiLayerNet-SGD"; make=a -> Training(make_net(a), a.hyper.lr), step=train_step!,
                params=s -> s.net.params, optimizer="SGD", hyper=(lr=0.1,))

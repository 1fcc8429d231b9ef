# A port of the book's layers written the ordinary Julia way: structs with fields,
# broadcasting, Julia's own matrix products and sums.
using PyRef.Verify
using Random

mutable struct Affine; W; b; x; dW; db; end
Affine(W, b) = Affine(W, b, nothing, nothing, nothing)
forward(l::Affine, x) = (l.x = x; x * l.W .+ l.b')
function backward(l::Affine, dout)
    l.dW = l.x' * dout
    l.db = vec(sum(dout, dims=1))
    return dout * l.W'
end

mutable struct Relu; mask; end
forward(l::Relu, x) = (l.mask = x .<= 0; ifelse.(l.mask, 0.0, x))
backward(l::Relu, dout) = ifelse.(l.mask, 0.0, dout)

mutable struct Sigmoid; out; end
forward(l::Sigmoid, x) = (l.out = 1 ./ (1 .+ exp.(-x)))
backward(l::Sigmoid, dout) = dout .* (1 .- l.out) .* l.out

softmax(x) = (e = exp.(x .- maximum(x, dims=2)); e ./ sum(e, dims=2))
mutable struct SoftmaxWithLoss; y; t; end
function forward(l::SoftmaxWithLoss, x, t)
    l.y, l.t = softmax(x), t
    return -sum(t .* log.(l.y .+ 1e-7)) / size(x, 1)
end
backward(l::SoftmaxWithLoss, dout) = (l.y .- l.t) .* dout ./ size(l.t, 1)

mutable struct Dropout; ratio; rng; mask; end
function forward(l::Dropout, x, train)
    train || return x .* (1 - l.ratio)
    l.mask = rand(l.rng, size(x)...) .> l.ratio
    return x .* l.mask
end
backward(l::Dropout, dout) = dout .* l.mask

verify_layer("Affine"; make=a -> Affine(a.W, a.b), forward=forward, backward=backward)
verify_layer("Relu"; make=a -> Relu(nothing), forward=forward, backward=backward)
verify_layer("Sigmoid"; make=a -> Sigmoid(nothing), forward=forward, backward=backward)
verify_layer("SoftmaxWithLoss"; make=a -> SoftmaxWithLoss(nothing, nothing), forward=forward, backward=backward)
verify_layer("Dropout"; make=a -> Dropout(a.dropout_ratio, a.rng, nothing), forward=forward, backward=backward)

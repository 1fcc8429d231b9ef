# The Julia side of chapter 3's parity scenarios (twin of pyref/parity/chapter3_scenarios.py).

"""
    Chapter3Scenarios

Twins of `pyref.parity.chapter3_scenarios`: the same keywords, the same named outputs.
"""
module Chapter3Scenarios

using ..PyRef
using ..PyRef: NumpyRandom, argmax_rows, sigmoid, softmax, relu
const NR = NumpyRandom

function activations(; grid, seed, n, d, scale)
    rs = NR.RandomState(seed)
    x = scale .* NR.randn(rs, n, d)
    return Dict{String,Any}(
        "step" => step_function(x), "sigmoid" => sigmoid(x), "relu" => relu(x),
        "identity" => identity_function(x), "softmax" => softmax(x), "softmax_one" => softmax(x[1, :]),
        "grid/step" => step_function(grid), "grid/sigmoid" => sigmoid(grid), "grid/relu" => relu(grid))
end

function three_layer_predict(; x, t, seed, sizes, scale)
    rs = NR.RandomState(seed)
    network = Dict{String,Any}()
    for idx in 1:3
        network["W$idx"] = scale .* NR.randn(rs, sizes[idx], sizes[idx + 1])
        network["b$idx"] = scale .* NR.randn(rs, sizes[idx + 1])
    end
    n = size(x, 1)
    one = permutedims(hcat([predict(network, x[i, :]) for i in 1:n]...))
    hits_one = count(i -> argmax(one[i, :]) - 1 == t[i], 1:n)
    batch = vcat([predict(network, x[i:min(i + 99, n), :]) for i in 1:100:n]...)
    hits_batch = count(argmax_rows(batch) .== t)
    return Dict{String,Any}("y_one" => one, "y_batch" => batch,
                            "accuracy_one" => hits_one / n, "accuracy_batch" => hits_batch / n)
end

end # module Chapter3Scenarios

# Initial weight scales and the activation-histogram experiment of 6.2.2-6.2.3
# (twin of pyref/initialization.py).

const INIT_SCHEMES = Dict{String,Float64}("xavier" => 1.0, "sigmoid" => 1.0, "he" => 2.0, "relu" => 2.0)
const INIT_SCHEME_NAMES = ("xavier", "sigmoid", "he", "relu")
const HISTOGRAM_SAMPLES = 1000
const HISTOGRAM_NODES = 100
const HISTOGRAM_LAYERS = 5
const HISTOGRAM_BINS = 30
const HISTOGRAM_INITS = ["std=1" => 1.0, "std=0.01" => 0.01, "Xavier" => "xavier", "He" => "he"]

"""
    weight_scale(weight_init_std, fan_in)

The standard deviation of a layer's initial weights: a number passes through;
'xavier'/'sigmoid' give √(1/n) and 'he'/'relu' √(2/n).

# Arguments
- `weight_init_std`: a number > 0, or a name of `INIT_SCHEME_NAMES`.
- `fan_in`: n, the layer's inputs, ≥ 1.

# Returns
The scale, a `Float64` (`sqrt(k / n)`, as the book computes it).
"""
function weight_scale(weight_init_std, fan_in::Integer)::Float64
    check_positive_int("fan_in", fan_in)
    if weight_init_std isa AbstractString
        name = check_choice("weight_init_std", weight_init_std, INIT_SCHEME_NAMES)
        return sqrt(INIT_SCHEMES[name] / fan_in)
    end
    return check_positive("weight_init_std", weight_init_std)
end

"""
    activation_histogram(activation="sigmoid", weight_init_std=1.0; samples, nodes, layers, bins, rng)

The book's weight_init_activation_histogram.py for one activation and one scale:
input `randn(samples, nodes)`, then per layer `randn(nodes, nodes) * scale` and the
activation.

# Arguments
- `activation`: "sigmoid", "relu" or "tanh".
- `weight_init_std`: the weights' scale (see `weight_scale`).
- `samples`, `nodes`, `layers`, `bins`: the experiment's sizes (the book's: `HISTOGRAM_*`).
- `rng`: the random stream (a `NumpyRandom.RandomState`), numpy's global one by default.

# Returns
A `Dict`: "activations", (layers, samples, nodes); "counts", (layers, bins), each
layer's histogram over (0, 1); "edges", bins + 1 entries.
"""
function activation_histogram(activation::AbstractString="sigmoid", weight_init_std=1.0;
                              samples::Integer=HISTOGRAM_SAMPLES, nodes::Integer=HISTOGRAM_NODES,
                              layers::Integer=HISTOGRAM_LAYERS, bins::Integer=HISTOGRAM_BINS,
                              rng::NumpyRandom.RandomState=NumpyRandom.global_state())
    act = check_choice("activation", activation, ACTIVATION_NAMES)
    samples, nodes = check_positive_int("samples", samples), check_positive_int("nodes", nodes)
    layers, bins = check_positive_int("layers", layers), check_positive_int("bins", bins)
    scale = weight_scale(weight_init_std, nodes)
    layer = ACTIVATIONS[act]()
    x = NumpyRandom.randn(rng, samples, nodes)
    activations = zeros(layers, samples, nodes)
    counts = zeros(Int64, layers, bins)
    edges = Float64[]
    for i in 1:layers
        w = NumpyRandom.randn(rng, nodes, nodes) .* scale
        x = forward(layer, np_dot(x, w))
        activations[i, :, :] = x
        c, edges = np_histogram(vec(permutedims(x)), bins, 0.0, 1.0)
        counts[i, :] = c
    end
    return Dict{String,Any}("activations" => activations, "counts" => counts, "edges" => edges)
end

export weight_scale, activation_histogram

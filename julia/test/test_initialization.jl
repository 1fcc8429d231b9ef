# initialization.jl (twin of tests/test_initialization.py): the book's weight scales,
# the weights a net draws with them (`scale * randn(n_in, n_out)` replayed on the
# same NumpyRandom stream, W1 first, as the book's MultiLayerNet), and the
# activation-histogram experiment, replayed and against pyref's counts (shared.jl's ref).
using Test
using PyRef

# The book's scale of each name for n inputs, as its MultiLayerNet computes it.
const BOOK_SCALES = Dict("xavier" => n -> sqrt(1.0 / n), "sigmoid" => n -> sqrt(1.0 / n),
                         "he" => n -> sqrt(2.0 / n), "relu" => n -> sqrt(2.0 / n))

"""The book's MultiLayerNet.__init_weight on a RandomState(seed) stream."""
function book_weights(seed, sizes, weight_init_std)
    rng = NumpyRandom.RandomState(seed)
    params = Dict{String,Any}()
    for idx in 2:length(sizes)
        scale = weight_init_std isa AbstractString ? BOOK_SCALES[lowercase(weight_init_std)](sizes[idx - 1]) :
                weight_init_std
        params["W$(idx - 1)"] = scale .* NumpyRandom.randn(rng, sizes[idx - 1], sizes[idx])
        params["b$(idx - 1)"] = zeros(sizes[idx])
    end
    return params
end

@testset "named scales are the book's" begin
    for n in (1, 2, 3, 20, 50, 100, 784), (name, book) in BOOK_SCALES
        @test weight_scale(name, n) === book(n)   # bit for bit: the same division, the same sqrt
        @test weight_scale(uppercase(name), n) === book(n)
    end
    for n in (2, 8, 100)
        @test weight_scale("he", n) ≈ sqrt(2.0) * weight_scale("xavier", n)
    end
    @test weight_scale("xavier", 1) === 1.0 && weight_scale("xavier", 100) === 0.1 && weight_scale("he", 50) === 0.2
    @test weight_scale("xavier", 784) < weight_scale("xavier", 100)
    for std in (0.01, 1, 1.0, 0.5, 0.25f0, Int64(2))
        @test weight_scale(std, 100) === Float64(std)
    end
    @test PyRef.INIT_SCHEMES == Dict("xavier" => 1.0, "sigmoid" => 1.0, "he" => 2.0, "relu" => 2.0)
    @test Set(PyRef.INIT_SCHEME_NAMES) == Set(keys(PyRef.INIT_SCHEMES))
    # weight_init_activation_histogram.py: * 1, * 0.01, * np.sqrt(1.0 / n), * np.sqrt(2.0 / n)
    @test first.(PyRef.HISTOGRAM_INITS) == ["std=1", "std=0.01", "Xavier", "He"]
    @test [weight_scale(v, 100) for v in last.(PyRef.HISTOGRAM_INITS)] == [1.0, 0.01, sqrt(1.0 / 100), sqrt(2.0 / 100)]
end

@testset "a bad weight_init_std or fan_in is refused by name" begin
    @test thrown(() -> weight_scale("glorot", 10), ArgumentError) ==
          "unknown weight_init_std \"glorot\"; choose from xavier, sigmoid, he, relu"
    @test startswith(thrown(() -> weight_scale("", 10), ArgumentError), "unknown weight_init_std \"\"")
    @test thrown(() -> weight_scale(0, 10), ArgumentError) == "weight_init_std must be > 0, got 0"
    @test thrown(() -> weight_scale(-0.01, 10), ArgumentError) == "weight_init_std must be > 0, got -0.01"
    @test thrown(() -> weight_scale(NaN, 10), ArgumentError) == "weight_init_std must be finite, got NaN"
    @test thrown(() -> weight_scale(Inf, 10), ArgumentError) == "weight_init_std must be finite, got Inf"
    @test thrown(() -> weight_scale(nothing, 10), ArgumentError) == "weight_init_std must be a real number, not Nothing"
    @test thrown(() -> weight_scale(true, 10), ArgumentError) == "weight_init_std must be a real number, not Bool"
    @test startswith(thrown(() -> weight_scale([0.01], 10), ArgumentError), "weight_init_std must be a real number, not ")
    for std in ("he", 0.01)
        @test thrown(() -> weight_scale(std, 0), ArgumentError) == "fan_in must be >= 1, got 0"
        @test thrown(() -> weight_scale(std, -3), ArgumentError) == "fan_in must be >= 1, got -3"
        @test thrown(() -> weight_scale(std, true), ArgumentError) == "fan_in must be an integer, not Bool"
        @test_throws MethodError weight_scale(std, 2.0)   # fan_in::Integer: no method for a Float64
    end
end

@testset "a net's weights are the book's draws" begin
    sizes = [30, 20, 10, 5]
    for std in (0.01, "xavier", "sigmoid", "he", "relu", "He"), seed in (0, 7, 2^32 - 1)
        book = book_weights(seed, sizes, std)
        net = MultiLayerNet(30, [20, 10], 5; weight_init_std=std, rng=NumpyRandom.RandomState(seed))
        @test Set(keys(net.params)) == Set(keys(book))
        @test all(bits_equal(net.params[k], book[k]) for k in keys(book))
    end
    # the global stream, as the book seeds it
    NumpyRandom.seed!(42)
    net = MultiLayerNetExtend(12, [8], 3; weight_init_std="xavier", use_batchnorm=true)
    book = book_weights(42, [12, 8, 3], "xavier")
    @test all(bits_equal(net.params[k], book[k]) for k in ("W1", "b1", "W2", "b2"))
    @test net.params["gamma1"] == ones(8) && net.params["beta1"] == zeros(8)
    replay = NumpyRandom.RandomState(42)
    NumpyRandom.randn(replay, 12, 8)
    NumpyRandom.randn(replay, 8, 3)
    @test NumpyRandom.randn(NumpyRandom.global_state()) === NumpyRandom.randn(replay)
    # the std changes the scale, not the draws
    small = MultiLayerNet(16, [8], 4; weight_init_std=0.01, rng=NumpyRandom.RandomState(3))
    one = MultiLayerNet(16, [8], 4; weight_init_std=1.0, rng=NumpyRandom.RandomState(3))
    he = MultiLayerNet(16, [8], 4; weight_init_std="he", rng=NumpyRandom.RandomState(3))
    @test bits_equal(small.params["W1"], 0.01 .* one.params["W1"])
    @test bits_equal(he.params["W1"], sqrt(2.0 / 16) .* one.params["W1"])
    @test bits_equal(he.params["W2"], sqrt(2.0 / 8) .* one.params["W2"])
end

# The book's activations, as its ch06 scripts write them.
const BOOK_ACTIVATIONS = Dict("sigmoid" => z -> 1 ./ (1 .+ PyRef.np_exp.(-z)), "relu" => z -> max.(0, z),
                              "tanh" => z -> PyRef.np_tanh.(z))

@testset "the histogram is the book's script" begin
    samples, nodes, layers, bins = 60, 25, 3, 12
    for (activation, std) in (("sigmoid", 1.0), ("sigmoid", 0.01), ("sigmoid", "xavier"), ("relu", "he"),
                              ("tanh", "xavier"))
        out = activation_histogram(activation, std; samples=samples, nodes=nodes, layers=layers, bins=bins,
                                   rng=NumpyRandom.RandomState(11))
        rng = NumpyRandom.RandomState(11)
        scale = std isa AbstractString ? BOOK_SCALES[std](nodes) : std
        x = NumpyRandom.randn(rng, samples, nodes)
        @test size(out["activations"]) == (layers, samples, nodes) && size(out["counts"]) == (layers, bins)
        for i in 1:layers
            w = NumpyRandom.randn(rng, nodes, nodes) .* scale
            x = BOOK_ACTIVATIONS[activation](PyRef.np_dot(x, w))
            @test bits_equal(out["activations"][i, :, :], x)
            @test out["counts"][i, :] == PyRef.np_histogram(vec(permutedims(x)), bins, 0.0, 1.0)[1]
        end
        @test eltype(out["counts"]) == Int64 && sum(out["counts"]) <= layers * samples * nodes
        @test length(out["edges"]) == bins + 1 && out["edges"][1] == 0.0 && out["edges"][end] == 1.0
    end
    out = activation_histogram(; rng=NumpyRandom.RandomState(0))
    @test size(out["activations"]) == (5, 1000, 100) && size(out["counts"]) == (5, 30)
    # std 1 with sigmoid: the book's figure, activations piled up at 0 and 1
    @test out["counts"][end, 1] + out["counts"][end, end] > 0.5 * 1000 * 100
    # pyref's counts for the same call
    @test activation_histogram("sigmoid", "xavier"; rng=NumpyRandom.RandomState(6))["counts"] == ref("hist_counts")
end

@testset "the histogram refuses bad arguments by name" begin
    small = (samples=4, nodes=3, layers=1)
    @test startswith(thrown(() -> activation_histogram("softplus"; small...), ArgumentError), "unknown activation \"softplus\"")
    @test startswith(thrown(() -> activation_histogram("sigmoid", "glorot"; small...), ArgumentError),
                     "unknown weight_init_std \"glorot\"")
    @test startswith(thrown(() -> activation_histogram("sigmoid", -1.0; small...), ArgumentError), "weight_init_std must be > 0")
    @test thrown(() -> activation_histogram(; small..., samples=0), ArgumentError) == "samples must be >= 1, got 0"
    @test thrown(() -> activation_histogram(; small..., layers=0), ArgumentError) == "layers must be >= 1, got 0"
    @test thrown(() -> activation_histogram(; small..., bins=true), ArgumentError) == "bins must be an integer, not Bool"
    @test_throws TypeError activation_histogram(; small..., nodes=1.5)     # nodes::Integer, a keyword
    @test_throws MethodError activation_histogram(1)                       # activation::AbstractString
end

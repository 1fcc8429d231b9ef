# The experiments of chapters 3 to 5 (twin of their tests in tests/test_experiments.py):
# what their results mean, on small drawn data; checks naming the argument.
using Test
using PyRef
const NRX = PyRef.NumpyRandom

@testset "experiments of chapters 3 to 5" begin
    res = gradient_descent_path()
    path = res["x_history"]
    @test size(path) == (20, 2) && path[1, :] == [-3.0, 4.0]
    @test isapprox(path[2:end, :], 0.8 .* path[1:end - 1, :]; rtol=1e-7)   # x <- x - 0.1 · 2x
    @test_throws ArgumentError gradient_descent_path(; init_x=(1.0, 2.0, 3.0))

    rs = NRX.RandomState(3)
    x_train, x_test = NRX.rand(rs, 40, 784), NRX.rand(rs, 20, 784)
    labels = [i % 10 for i in 0:39]
    onehot(l) = Float64[c == v for v in l, c in 0:9]
    data = ((x_train, onehot(labels)), (x_test, onehot(labels[1:20])))
    tr = train_two_layer_net(data; iters_num=12, batch_size=10, hidden_size=8, rng=NRX.RandomState(0))
    @test length(tr["train_loss"]) == 12 && length(tr["train_acc"]) == 3   # an epoch every 40 / 10 steps
    @test_throws ArgumentError train_two_layer_net(data; gradient="exact")
    check = gradient_check(data; hidden_size=6, rng=NRX.RandomState(0))
    @test sort(collect(keys(check["diff"]))) == ["W1", "W2", "b1", "b2"] && check["samples"] == 3
    @test all(0 <= d < 1e-6 for d in values(check["diff"]))
    @test_throws ArgumentError gradient_check(data; samples=0)

    weights = Dict{String,Any}("W1" => NRX.randn(rs, 784, 50), "b1" => zeros(50), "W2" => NRX.randn(rs, 50, 100),
                               "b2" => zeros(100), "W3" => NRX.randn(rs, 100, 10), "b3" => zeros(10))
    plain = ((x_train, labels), (x_test, labels[1:20]))
    nm = neuralnet_mnist(plain; params=weights)
    want = [argmax(predict(weights, x_test[i, :])) - 1 for i in 1:20]
    @test nm["predicted"] == want[1:10] && nm["accuracy"] == count(want .== labels[1:20]) / 20
    @test occursin("given", nm["weights"]) && size(nm["images"]) == (10, 28, 28)
    @test nm["images"][2, 1, :] == x_test[2, 1:28]   # numpy's reshape: rows of 28 pixels
    @test_throws ArgumentError neuralnet_mnist(plain; params=Dict("W1" => zeros(2, 2)))
end

# convnet.jl (twin of tests/test_convnet.py): SimpleConvNet's draws (the book's, W1
# first), gradients against numerical ones, the book's accuracy, .npz files, and the
# Trainer on image tensors. Bit-for-bit agreement with pyref is `pyref parity`'s section 7.
using Test
using PyRef

@testset "SimpleConvNet: draws, gradients, accuracy, .npz" begin
    net = SimpleConvNet(; rng=NumpyRandom.RandomState(0))
    rs = NumpyRandom.RandomState(0)
    @test net.params["W1"] == 0.01 .* NumpyRandom.randn(rs, 30, 1, 5, 5)
    @test net.params["W2"] == 0.01 .* NumpyRandom.randn(rs, 4320, 100)
    @test net.params["W3"] == 0.01 .* NumpyRandom.randn(rs, 100, 10)
    small = (input_dim=(1, 10, 10), conv_param=Dict("filter_num" => 4, "filter_size" => 3), hidden_size=8,
             output_size=5)
    rs = NumpyRandom.RandomState(1)
    net = SimpleConvNet(; small..., weight_init_std=0.3, rng=rs)
    x = NumpyRandom.rand(rs, 3, 1, 10, 10)
    t = [1, 4, 0]
    g = gradient(net, x, t)
    num = numerical_gradient(net, x, t)
    for k in PyRef.CONVNET_PARAM_NAMES
        @test g[k] ≈ num[k] rtol = 1e-4 atol = 1e-8
    end
    @test gradient(net, x[1:1, :, :, :], reshape([1], 1, 1))["W1"] ≈
          numerical_gradient(net, x[1:1, :, :, :], reshape([1], 1, 1))["W1"] rtol = 1e-4 atol = 1e-8
    y = PyRef.argmax_rows(predict(net, x))
    @test accuracy(net, x, y; batch_size=1) == 1.0
    @test accuracy(net, x, y; batch_size=2) == 2 / 3   # the book's: the third is not predicted
    @test accuracy(net, x, y) == 0.0
    path = joinpath(mktempdir(), "params.npz")
    save_params(net, path)
    other = SimpleConvNet(; small..., rng=NumpyRandom.RandomState(9))
    load_params(other, path)
    @test predict(other, x) == predict(net, x)
    @test other.conv1.W === other.params["W1"]
    @test_throws DimensionMismatch set_params!(other, Dict("W1" => zeros(2, 2)))
    @test_throws ArgumentError set_params!(other, Dict("W9" => zeros(2, 2)))
end

@testset "the Trainer on image tensors" begin
    rs = NumpyRandom.RandomState(7)
    x = NumpyRandom.rand(rs, 200, 1, 10, 10) .* 0.1
    t = NumpyRandom.randint(rs, 0, 2, 200)
    for i in 1:200
        r = t[i] == 0 ? (2:4) : (7:9)
        x[i, 1, r, r] .+= 1.0
    end
    net = SimpleConvNet(; input_dim=(1, 10, 10), conv_param=Dict("filter_num" => 4, "filter_size" => 3),
                        hidden_size=8, output_size=2, rng=rs)
    tr = Trainer(net, x[1:150, :, :, :], t[1:150], x[151:200, :, :, :], t[151:200]; epochs=6, mini_batch_size=25,
                 optimizer="adam", optimizer_param=Dict("lr" => 0.01), evaluate_sample_num_per_epoch=50,
                 verbose=false, rng=rs)
    train!(tr)
    @test length(tr.train_acc_list) == 6 && length(tr.train_loss_list) == 36
    @test tr.train_loss_list[end] < tr.train_loss_list[1]
    @test accuracy(net, x[151:200, :, :, :], t[151:200]; batch_size=50) == 1.0
end

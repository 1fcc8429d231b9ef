# Chapter 8's DeepConvNet in PyRef: the book's shapes, He-scaled draws in its order, the
# 20 layers, dropout's draws, backpropagation against central differences under fixed
# masks, the batched accuracy, .npz files, the Trainer, the argument checks. Agreement
# with pyref bit for bit is `pyref parity`'s section 8.
using Test
using PyRef
const NR8 = PyRef.NumpyRandom

const SMALL8 = (input_dim=(1, 12, 12), conv_param_1=Dict("filter_num" => 2), conv_param_2=Dict("filter_num" => 2),
                conv_param_3=Dict("filter_num" => 2), conv_param_4=Dict("filter_num" => 2),
                conv_param_5=Dict("filter_num" => 2), conv_param_6=Dict("filter_num" => 2), hidden_size=5,
                output_size=3)

@testset "DeepConvNet: shapes, draws, layers" begin
    shapes = deep_convnet_param_shapes()
    @test [k for (k, _) in shapes] == collect(PyRef.DEEP_PARAM_NAMES)
    @test Dict(shapes)["W4"] == (32, 32, 3, 3) && Dict(shapes)["W7"] == (64 * 4 * 4, 50)
    net = DeepConvNet(; rng=NR8.RandomState(11))
    rs = NR8.RandomState(11)
    scales = sqrt.(2.0 ./ [9, 144, 144, 288, 288, 576, 1024, 50])
    for (i, (k, shape)) in enumerate(s for s in shapes if startswith(s[1], "W"))
        draws = scales[i] .* NR8.randn(rs, prod(shape))
        want = i <= 6 ? permutedims(reshape(draws, reverse(shape)...), (4, 3, 2, 1)) :
               permutedims(reshape(draws, shape[2], shape[1]))
        @test net.params[k] == want
    end
    kinds = [nameof(typeof(l)) for l in net.layers]
    @test kinds == [:Convolution, :Relu, :Convolution, :Relu, :Pooling, :Convolution, :Relu, :Convolution, :Relu,
                    :Pooling, :Convolution, :Relu, :Convolution, :Relu, :Pooling, :Affine, :Relu, :Dropout, :Affine,
                    :Dropout]
    for (i, idx) in enumerate(PyRef.DEEP_PARAM_LAYERS)
        @test net.layers[idx + 1].W === net.params["W$i"]
    end
    @test [c.pad for c in net.convs] == [1, 1, 1, 2, 1, 1]
end

@testset "DeepConvNet: dropout draws, gradients, accuracy, .npz" begin
    rng = NR8.RandomState(8)
    net = DeepConvNet(; SMALL8..., rng=rng)
    rs = NR8.RandomState(3)
    x = NR8.rand(rs, 4, 1, 12, 12)
    t = NR8.randint(rs, 0, 3, 4)
    state = NR8.rng_state(rng)
    s1 = predict(net, x)
    @test s1 == predict(net, x) && NR8.rng_state(rng) == state   # test mode draws nothing
    loss(net, x, t)
    replay = NR8.set_rng_state!(NR8.RandomState(0), state)
    logical(l) = l.c_ordered ? permutedims(l.mask) : l.mask   # a C-ordered pass keeps numpy's memory order
    @test logical(net.dropouts[1]) == Float64.(NR8.rand(replay, 4, 5) .> 0.5)
    @test logical(net.dropouts[2]) == Float64.(NR8.rand(replay, 4, 3) .> 0.5)
    f = _ -> (NR8.set_rng_state!(rng, state); loss(net, x, t))
    NR8.set_rng_state!(rng, state)
    g = gradient(net, x, t)
    for k in ("W1", "b1", "W4", "W7", "W8", "b8")
        @test size(g[k]) == size(net.params[k])
        @test g[k] ≈ numerical_gradient(f, net.params[k]) rtol = 1e-4 atol = 1e-7
    end
    x25 = NR8.rand(rs, 25, 1, 12, 12)
    y = PyRef.argmax_rows(predict(net, x25))
    @test accuracy(net, x25, y; batch_size=10) == 20 / 25   # the last 5 are counted, not predicted
    path = joinpath(mktempdir(), "deep_convnet_params.pkl")
    save_params(net, path)
    other = DeepConvNet(; SMALL8..., rng=NR8.RandomState(9))
    load_params(other, path)
    @test predict(other, x) == predict(net, x)
    @test other.convs[1].W === other.params["W1"] && other.affines[1].W === other.params["W7"]
    wrong = DeepConvNet(; SMALL8..., hidden_size=6, rng=NR8.RandomState(9))
    @test_throws DimensionMismatch load_params(wrong, path)
end

@testset "DeepConvNet: the Trainer" begin
    rs = NR8.RandomState(5)
    x = NR8.rand(rs, 40, 1, 12, 12)
    t = NR8.randint(rs, 0, 3, 40)
    net = DeepConvNet(; SMALL8..., rng=rs)
    tr = Trainer(net, x[1:30, :, :, :], t[1:30], x[31:40, :, :, :], t[31:40]; epochs=2, mini_batch_size=10,
                 optimizer="adam", optimizer_param=Dict("lr" => 0.001), verbose=false, rng=rs)
    train!(tr)
    @test length(tr.train_loss_list) == 6 && length(tr.train_acc_list) == 2
end

@testset "DeepConvNet: checks" begin
    msg(f) = try
        f()
        ""
    catch err
        sprint(showerror, err)
    end
    @test occursin("conv_param_3['pad'] must be >= 0", msg(() -> DeepConvNet(; conv_param_3=Dict("pad" => -1))))
    @test occursin("conv_param_2 must be a dict", msg(() -> DeepConvNet(; conv_param_2="wide")))
    @test occursin("conv_param_5 has unknown keys", msg(() -> DeepConvNet(; conv_param_5=Dict("size" => 3))))
    @test occursin("2×2 pooling", msg(() -> DeepConvNet(; input_dim=(1, 10, 10))))
    @test occursin("hidden_size must be >= 1", msg(() -> DeepConvNet(; hidden_size=0)))
    net = DeepConvNet(; SMALL8..., rng=NR8.RandomState(0))
    @test occursin("x has samples of shape (1, 11, 12)", msg(() -> predict(net, zeros(2, 1, 11, 12))))
    @test occursin("t has 1 labels for 2 samples", msg(() -> loss(net, zeros(2, 1, 12, 12), [0])))
    @test occursin("batch_size must be >= 1", msg(() -> accuracy(net, zeros(2, 1, 12, 12), [0, 1]; batch_size=0)))
end

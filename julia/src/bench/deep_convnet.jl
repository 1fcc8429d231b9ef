# `pyref bench`'s deepconvnet section inside Julia (twin of pyref/bench/deep_convnet.py):
# one DeepConvNet training step against its matrix products alone, and its parts.

"""Positions of a window along one side (the nets' own geometry)."""
_out(size, window, stride, pad) =
    window_output_size(size, window, stride, pad; axis="side", window_name="window", input_name="input")

"""
    deep_convnet_products(batch)

The shapes of a DeepConvNet step's matrix products (the book's net: the six
convolutions of `DEEP_CONV_PARAMS` with a 2×2 pooling after every second one, then W7
and W8 of `deep_convnet_param_shapes`): per convolution (N·OH·OW, C·FH·FW, FN), and
per Affine layer W's (inputs, outputs).
"""
function deep_convnet_products(batch::Integer)
    shapes = Dict(deep_convnet_param_shapes())
    sides = [CONVNET_INPUT_DIM[2], CONVNET_INPUT_DIM[3]]
    convs = NTuple{3,Int}[]
    for (idx, cp) in enumerate(DEEP_CONV_PARAMS)
        fn, c, fh, fw = shapes["W$idx"]
        sides = [_out(s, f, cp["stride"], cp["pad"]) for (s, f) in zip(sides, (fh, fw))]
        push!(convs, (Int(batch) * sides[1] * sides[2], c * fh * fw, fn))
        idx in _POOL_AFTER && (sides = [_out(s, POOL_SIZE, POOL_SIZE, 0) for s in sides])
    end
    affines = [(shapes[k][1], shapes[k][2]) for k in ("W7", "W8")]
    return convs, affines
end

"""
    deep_convnet_gemm_bound(batch; first_dx=true)

The matrix products of one DeepConvNet step (`conv_gemm_bound` with the shapes of
`deep_convnet_products`): 18 for the convolutions, 6 for the Affine layers; without
`first_dx`, not the first convolution's dout·`col_W`ᵀ (the input images' gradient).
"""
function deep_convnet_gemm_bound(batch::Int; first_dx::Bool=true)
    convs, affines = deep_convnet_products(batch)
    return conv_gemm_bound(convs, affines, batch; first_dx=first_dx)
end

"""
    deep_convnet_timing(x, t; batch=CONVNET_BATCH, lr=CONVNET_LR, iterations, repeats, warmup,
        parts_rounds, parts_calls, seed=0, blas_threads=1)

One DeepConvNet training step as train_deepnet.py's Trainer takes it (draw a
minibatch of images, gradient, Adam update), against its matrix products alone
(`deep_convnet_gemm_bound`: `bound` with the input images' gradient the book
computes, `minimal` without), best of `repeats` rounds of `iterations` after `warmup`
calls; and where the rest of the time goes, per kind of layer (`deep_convnet_parts`,
best of `parts_rounds` rounds of `parts_calls`). The rounds are pyref.bench's.
"""
function deep_convnet_timing(x::AbstractArray{<:Real,4}, t::AbstractVector; batch::Integer=PyRef.CONVNET_BATCH,
                             lr::Real=PyRef.CONVNET_LR, iterations::Integer, repeats::Integer, warmup::Integer,
                             parts_rounds::Integer, parts_calls::Integer, seed::Integer=0, blas_threads::Integer=1)
    _set_blas_threads!(blas_threads)
    rng = NumpyRandom.RandomState(seed)
    net = DeepConvNet(; rng=rng)
    opt = Adam(lr=lr)
    batcher, grads = ImageBatcher(x), gradient_buffers(net)
    bounds = (deep_convnet_gemm_bound(Int(batch)), deep_convnet_gemm_bound(Int(batch); first_dx=false))
    out = _step_timing(net, opt, grads, batcher, t, rng, Int(batch), bounds, Int(iterations), Int(repeats),
                       Int(warmup))
    out["parts"] = deep_convnet_parts(net, opt, grads, batcher, t, rng, Int(batch), Int(parts_rounds), Int(parts_calls))
    return _process_figures!(out, blas_threads)
end

"""
Seconds per call of each kind of layer of a DeepConvNet step, forward and backward
(each convolution's forward alone too), the whole gradient and Adam's update, on one
minibatch (best of `rounds` rounds of `calls`); the layers are called on the inputs
a forward and backward pass (as `_backprop!`'s) gave them.
"""
function deep_convnet_parts(net, opt, grads, batcher, t, rng, batch, rounds, calls)
    mask = NumpyRandom.choice(rng, size(batcher.xt, 4), batch) .+ 1
    xb = batch!(batcher, mask)
    tb = rows(t, mask)
    time_best(f) = minimum(best_per_call(f, calls) for _ in 1:rounds)
    # Forward, as _forward_layers!: each layer's input kept.
    conv_in, relu_in, pool_in = Any[], Any[], Any[]
    p = xb
    for k in 1:3
        for i in (2k - 1, 2k)
            push!(conv_in, p)
            h = forward!(net.convs[i], p)
            push!(relu_in, h)
            p = forward!(net.relus[i], h)
        end
        push!(pool_in, p)
        p = forward!(net.pools[k], p)
    end
    n = size(p, 1)
    affine_in = Any[transpose(reshape(parent(p), :, n))]
    a1 = forward!(net.affines[1], affine_in[1])
    push!(relu_in, a1)
    r7 = forward!(net.relus[7], a1)
    dropout_in = Any[r7]
    d1 = forward!(net.dropouts[1], r7, true)
    push!(affine_in, d1)
    a2 = forward!(net.affines[2], d1)
    push!(dropout_in, a2)
    forward(net.last_layer, forward!(net.dropouts[2], a2, true), tb)
    # Backward, as _backprop!: each layer's dout kept.
    dropout_dout = Any[nothing, backward(net.last_layer, 1)]
    affine_dout = Any[nothing, backward!(net.dropouts[2], dropout_dout[2])]
    dropout_dout[1] = backward!(net.affines[2], affine_dout[2])
    relu_dout = Vector{Any}(nothing, 7)
    relu_dout[7] = backward!(net.dropouts[1], dropout_dout[1])
    affine_dout[1] = backward!(net.relus[7], relu_dout[7])
    g = _pool_dout(net, backward!(net.affines[1], affine_dout[1]))
    pool_dout, conv_dout = Vector{Any}(nothing, 3), Vector{Any}(nothing, 6)
    for k in 3:-1:1
        pool_dout[k] = g
        relu_dout[2k] = backward!(net.pools[k], g)
        conv_dout[2k] = backward!(net.relus[2k], relu_dout[2k])
        relu_dout[2k - 1] = backward!(net.convs[2k], conv_dout[2k])
        h = backward!(net.relus[2k - 1], relu_dout[2k - 1])
        net.convs[2k].pad == 0 && net.convs[2k].stride == 1 && (h = collect(h))
        conv_dout[2k - 1] = h
        k > 1 && (g = backward!(net.convs[2k - 1], h))
    end
    backward!(net.convs[1], conv_dout[1]; need_dx=false)
    parts = Dict{String,Float64}()
    for i in 1:6
        parts["conv$i forward"] = time_best(() -> forward!(net.convs[i], conv_in[i]))
    end
    each(f, n) = function ()
        for i in 1:n
            f(i)
        end
        return nothing
    end
    parts["conv forward (all)"] = time_best(each(i -> forward!(net.convs[i], conv_in[i]), 6))
    parts["relu forward (all)"] = time_best(each(i -> forward!(net.relus[i], relu_in[i]), 7))
    parts["pool forward (all)"] = time_best(each(i -> forward!(net.pools[i], pool_in[i]), 3))
    parts["affine forward (all)"] = time_best(each(i -> forward!(net.affines[i], affine_in[i]), 2))
    parts["dropout forward (all)"] = time_best(each(i -> forward!(net.dropouts[i], dropout_in[i], true), 2))
    # The first convolution skips dx, as the net's gradient does.
    parts["conv backward (all)"] =
        time_best(each(i -> backward!(net.convs[i], conv_dout[i]; need_dx=i > 1), 6))
    parts["relu backward (all)"] = time_best(each(i -> backward!(net.relus[i], relu_dout[i]), 7))
    parts["pool backward (all)"] = time_best(each(i -> backward!(net.pools[i], pool_dout[i]), 3))
    parts["affine backward (all)"] = time_best(each(i -> backward!(net.affines[i], affine_dout[i]), 2))
    parts["dropout backward (all)"] = time_best(each(i -> backward!(net.dropouts[i], dropout_dout[i]), 2))
    parts["gradient (all layers)"] = time_best(() -> gradient!(grads, net, xb, tb))
    parts["Adam update"] = time_best(() -> update!(opt, net.params, grads))
    return parts
end

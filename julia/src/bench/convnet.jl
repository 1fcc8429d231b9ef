# `pyref bench`'s convnet section inside Julia (twin of pyref/bench/convnet.py): one
# SimpleConvNet training step against its matrix products alone, and its parts.

"""
    conv_gemm_bound(convs, affines, batch; first_dx=true)

The matrix products of one step of a convolutional net, with random operands in the
step's own layouts: each convolution's `col` (C-ordered N·OH·OW × C·FH·FW) times
`col_W` (W's transposed view), then each Affine layer's x·W; backward, the last layer
first, dout·Wᵀ and xᵀ·dout per Affine layer, then `col.T` times dout and dout times
`col_W.T` per convolution (the first one's only with `first_dx`). `convs` holds
(N·OH·OW, C·FH·FW, FN) per convolution, `affines` W's (inputs, outputs) per Affine
layer. In `:numpy` mode numpy's calls (through `np_dot_c!`, which leaves numpy's
result in numpy's memory), else Julia's.
"""
function conv_gemm_bound(convs, affines, batch::Int; first_dx::Bool=true)
    cols = [NpMatrix(rand(cff, noo), noo, cff, false) for (noo, cff, fn) in convs]
    colWs = [NpMatrix(rand(cff, fn), cff, fn, true) for (noo, cff, fn) in convs]
    douts = [NpMatrix(rand(fn, noo), noo, fn, false) for (noo, cff, fn) in convs]
    outs = [zeros(fn, noo) for (noo, cff, fn) in convs]
    dWs = [zeros(fn, cff) for (noo, cff, fn) in convs]
    dcols = [zeros(cff, noo) for (noo, cff, fn) in convs]
    X = [NpMatrix(rand(a, batch), batch, a, false) for (a, b) in affines]
    Wm = [NpMatrix(rand(b, a), a, b, false) for (a, b) in affines]
    D = [NpMatrix(rand(b, batch), batch, b, false) for (a, b) in affines]
    Y = [zeros(b, batch) for (a, b) in affines]
    DX = [zeros(a, batch) for (a, b) in affines]
    DWm = [zeros(b, a) for (a, b) in affines]
    numpy = blas_mode() === :numpy
    nc, na = length(cols), length(X)
    return function ()
        if numpy
            for k in 1:nc
                np_dot_c!(outs[k], cols[k], colWs[k])
            end
            for i in 1:na
                np_dot_c!(Y[i], X[i], Wm[i])
            end
            for i in na:-1:1
                np_dot_c!(DX[i], D[i], np_transpose(Wm[i]))
                np_dot_c!(DWm[i], np_transpose(X[i]), D[i])
            end
            for k in nc:-1:1
                np_dot_c!(dWs[k], np_transpose(cols[k]), douts[k])
                (k > 1 || first_dx) && np_dot_c!(dcols[k], douts[k], np_transpose(colWs[k]))
            end
        else
            for k in 1:nc
                mul!(outs[k], transpose(colWs[k].data), cols[k].data)
            end
            for i in 1:na
                mul!(Y[i], transpose(Wm[i].data), X[i].data)
            end
            for i in na:-1:1
                mul!(DX[i], Wm[i].data, D[i].data)
                mul!(DWm[i], D[i].data, transpose(X[i].data))
            end
            for k in nc:-1:1
                mul!(dWs[k], douts[k].data, transpose(cols[k].data))
                (k > 1 || first_dx) && mul!(dcols[k], colWs[k].data, douts[k].data)
            end
        end
        return nothing
    end
end

"""
The matrix products of one SimpleConvNet step (batch `batch`, the book's net: 30
filters of 5×5 on 28×28, 100 hidden, 10 outputs; `conv_gemm_bound`): the
convolution's `col`·`col_W`, `col.T`·dout and (`first_dx`) dout·`col_W.T`; then each
Affine layer's forward and backward products.
"""
function convnet_gemm_bound(batch::Int; first_dx::Bool=true, filters::Int=30, fsize::Int=5, side::Int=28,
                               hidden::Int=100, classes::Int=PyRef.NUM_CLASSES)
    o = side - fsize + 1
    pooled = filters * (o ÷ 2)^2
    return conv_gemm_bound([(batch * o * o, fsize * fsize, filters)], [(pooled, hidden), (hidden, classes)], batch;
                           first_dx=first_dx)
end

"""
    convnet_timing(x, t; batch=100, lr=0.001, iterations, repeats, seed=0, blas_threads=1)

One SimpleConvNet training step as the Trainer takes it (draw a minibatch of images,
gradient, Adam update), against its matrix products alone (`convnet_gemm_bound`:
`bound` with the input images' gradient the book computes, `minimal` without), best
of `repeats` rounds; and where the rest of the time goes, layer by layer.
"""
function convnet_timing(x::AbstractArray{<:Real,4}, t::AbstractVector; batch::Integer=100, lr::Real=0.001,
                        iterations::Integer=20, repeats::Integer=7, seed::Integer=0, blas_threads::Integer=1)
    _set_blas_threads!(blas_threads)
    rng = NumpyRandom.RandomState(seed)
    net = SimpleConvNet(; rng=rng)
    opt = Adam(lr=lr)
    batcher, grads = ImageBatcher(x), gradient_buffers(net)
    bounds = (convnet_gemm_bound(Int(batch)), convnet_gemm_bound(Int(batch); first_dx=false))
    out = _step_timing(net, opt, grads, batcher, t, rng, Int(batch), bounds, Int(iterations), Int(repeats), 3)
    out["parts"] = convnet_parts(net, opt, grads, batcher, t, rng, Int(batch))
    return _process_figures!(out, blas_threads)
end

"""One BLAS thread count for the BLAS of the current mode (numpy's or Julia's)."""
_set_blas_threads!(n::Integer) = blas_mode() === :numpy ? set_numpy_blas_threads!(n) : BLAS.set_num_threads(n)

"""A Trainer's step (draw a minibatch of `batch` from `rng`, gradient into `grads`,
update) against the GEMM `bounds` (with and without the first layer's dx), interleaved
after `warmup` calls of each."""
function _step_timing(net, opt, grads, batcher, t, rng, batch::Int, bounds, iterations::Int, repeats::Int,
                      warmup::Int)
    n = size(batcher.xt, 4)
    step = function ()
        mask = NumpyRandom.choice(rng, n, batch) .+ 1
        update!(opt, net.params, gradient!(grads, net, batch!(batcher, mask), rows(t, mask)))
        return nothing
    end
    return interleaved(step, bounds[1], bounds[2], iterations, repeats; warmup=warmup)
end

"""`out` with this process's peak resident memory, its BLAS threads and BLAS mode."""
_process_figures!(out, blas_threads::Integer) =
    merge!(out, Dict{String,Any}("maxrss_bytes" => Int(Sys.maxrss()), "blas_threads" => Int(blas_threads),
                                 "blas" => String(blas_mode())))

"""Seconds per call of each part of a step (best of several), on one minibatch."""
function convnet_parts(net, opt, grads, batcher, t, rng, batch)
    mask = NumpyRandom.choice(rng, size(batcher.xt, 4), batch) .+ 1
    xb = batch!(batcher, mask)
    tb = rows(t, mask)
    time_best(f) = minimum(best_per_call(f, 5) for _ in 1:5)
    parts = Dict{String,Float64}()
    parts["minibatch"] = time_best(() -> batch!(batcher, mask))
    c = net.conv1
    FN, C, FH, FW = size(c.W)
    o = size(xb, 3) - FH + 1
    parts["im2col"] = time_best(() -> PyRef._im2col_np!(c.col.data, xb, FH, FW, 1, 0, o, o))
    parts["conv forward (im2col, product, bias)"] = time_best(() -> forward!(c, xb))
    h = forward!(c, xb)
    parts["relu1 forward"] = time_best(() -> forward!(net.relu1, h))
    r = forward!(net.relu1, h)
    parts["pool forward (argmax)"] = time_best(() -> forward!(net.pool1, r))
    PyRef.forward(net.last_layer, PyRef._forward_layers!(net, xb), tb)
    d = backward!(net.affine1, backward!(net.relu2, backward!(net.affine2, backward(net.last_layer, 1))))
    d4 = PyRef._pool_dout(net, d)
    parts["pool backward (scatter)"] = time_best(() -> backward!(net.pool1, d4))
    pd = backward!(net.pool1, d4)
    parts["relu1 backward"] = time_best(() -> backward!(net.relu1, pd))
    rd = backward!(net.relu1, pd)
    parts["conv backward (db, dW)"] = time_best(() -> backward!(c, rd; need_dx=false))
    parts["conv backward with dx (col2im)"] = time_best(() -> backward!(c, rd; need_dx=true))
    parts["gradient (all layers)"] = time_best(() -> gradient!(grads, net, xb, tb))
    parts["Adam update"] = time_best(() -> update!(opt, net.params, grads))
    return parts
end

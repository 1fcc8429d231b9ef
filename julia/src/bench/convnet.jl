# `pyref bench`'s convnet section inside Julia (twin of pyref/bench/convnet.py): one
# SimpleConvNet training step against its matrix products alone, and its parts.

"""
The matrix products of one SimpleConvNet step (batch `batch`, the book's net: 30
filters of 5×5 on 28×28, 100 hidden, 10 outputs), with random operands in the step's
own layouts: the convolution's `col` (C-ordered N·576×25) times `col_W` (W's
transposed view), `col.T` times dout, and (`first_dx`) dout times `col_W.T`; then
each Affine layer's forward and backward products. In `:numpy` mode numpy's calls
(through `np_dot_c!`, which leaves numpy's result in numpy's memory), else Julia's.
"""
function convnet_gemm_bound(batch::Int; first_dx::Bool=true, filters::Int=30, fsize::Int=5, side::Int=28,
                               hidden::Int=100, classes::Int=PyRef.NUM_CLASSES)
    o = side - fsize + 1
    noo, cff = batch * o * o, fsize * fsize
    pooled = filters * (o ÷ 2)^2
    col = NpMatrix(rand(cff, noo), noo, cff, false)
    colW = NpMatrix(rand(cff, filters), cff, filters, true)
    dout = NpMatrix(rand(filters, noo), noo, filters, false)
    out, dW, dcol = zeros(filters, noo), zeros(filters, cff), zeros(cff, noo)
    sizes = [(pooled, hidden), (hidden, classes)]
    X = [NpMatrix(rand(a, batch), batch, a, false) for (a, b) in sizes]
    Wm = [NpMatrix(rand(b, a), a, b, false) for (a, b) in sizes]
    D = [NpMatrix(rand(b, batch), batch, b, false) for (a, b) in sizes]
    Y = [zeros(b, batch) for (a, b) in sizes]
    DX = [zeros(a, batch) for (a, b) in sizes]
    DWm = [zeros(b, a) for (a, b) in sizes]
    numpy = blas_mode() === :numpy
    return function ()
        if numpy
            np_dot_c!(out, col, colW)
            for i in 1:2
                np_dot_c!(Y[i], X[i], Wm[i])
            end
            for i in 2:-1:1
                np_dot_c!(DX[i], D[i], np_transpose(Wm[i]))
                np_dot_c!(DWm[i], np_transpose(X[i]), D[i])
            end
            np_dot_c!(dW, np_transpose(col), dout)
            first_dx && np_dot_c!(dcol, dout, np_transpose(colW))
        else
            mul!(out, transpose(colW.data), col.data)
            for i in 1:2
                mul!(Y[i], transpose(Wm[i].data), X[i].data)
            end
            for i in 2:-1:1
                mul!(DX[i], Wm[i].data, D[i].data)
                mul!(DWm[i], D[i].data, transpose(X[i].data))
            end
            mul!(dW, dout.data, transpose(col.data))
            first_dx && mul!(dcol, colW.data, dout.data)
        end
        return nothing
    end
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
    numpy = blas_mode() === :numpy
    numpy ? set_numpy_blas_threads!(blas_threads) : BLAS.set_num_threads(blas_threads)
    rng = NumpyRandom.RandomState(seed)
    net = SimpleConvNet(; rng=rng)
    opt = Adam(lr=lr)
    n = size(x, 1)
    batcher, grads = ImageBatcher(x), gradient_buffers(net)
    step = function ()
        mask = NumpyRandom.choice(rng, n, batch) .+ 1
        update!(opt, net.params, gradient!(grads, net, batch!(batcher, mask), rows(t, mask)))
        return nothing
    end
    bound = convnet_gemm_bound(Int(batch))
    minimal = convnet_gemm_bound(Int(batch); first_dx=false)
    out = interleaved(step, bound, minimal, Int(iterations), Int(repeats); warmup=3)
    return merge!(out, Dict{String,Any}("parts" => convnet_parts(net, opt, grads, batcher, t, rng, Int(batch)),
                            "maxrss_bytes" => Int(Sys.maxrss()), "blas_threads" => Int(blas_threads),
                            "blas" => String(blas_mode())))
end

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

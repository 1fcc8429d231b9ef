# The Julia half of `pyref bench` (twin of pyref/bench.py): a training step of the
# optimizer_compare_mnist net timed inside Julia, against the matrix products alone.

"""
    Bench

`step_timing` times one iteration of 6.1.8's loop (draw a minibatch, gradient,
SGD update) and, interleaved with it, the same forward and backward matrix
products alone through the same BLAS (the step's lower bound). Both with one BLAS
thread, best of `repeats` rounds of `iterations`.
"""
module Bench

using LinearAlgebra
import ..PyRef
using ..PyRef: NumpyRandom, MultiLayerNet, SGD, Adam, gradient!, gradient_buffers, update!, rows, RowBatcher, batch!,
               blas_mode, blas_info, set_numpy_blas_threads!, numpy_blas_lib, NpMatrix, np_transpose, _gemm!,
               CBLAS_ROW_MAJOR, CBLAS_NO_TRANS, CBLAS_TRANS, SimpleConvNet, ImageBatcher, np_dot_c!, forward!,
               backward!, forward, backward, _as_nchw!, _nchw

"""The matrix products of one step for layer sizes `sizes` and a batch of `batch` rows:
forward x·W, backward dout·Wᵀ and xᵀ·dout per layer, with random operands in the
step's layouts (the minibatch transposed, as `RowBatcher` hands it on);
`first_dx=false` leaves out the first layer's dout·Wᵀ (the input images' gradient,
which the book computes and PyRef skips)."""
function gemm_bound(sizes::Vector{Int}, batch::Int; first_dx::Bool=true)
    L = length(sizes) - 1
    W = [rand(sizes[i], sizes[i + 1]) for i in 1:L]
    # The first layer's input as the step gets it from RowBatcher: a transposed matrix.
    X = AbstractMatrix{Float64}[i == 1 ? transpose(rand(sizes[1], batch)) : rand(batch, sizes[i]) for i in 1:L]
    D = [rand(batch, sizes[i + 1]) for i in 1:L]
    Y = [zeros(batch, sizes[i + 1]) for i in 1:L]
    DX = [zeros(batch, sizes[i]) for i in 1:L]
    DW = [zeros(sizes[i], sizes[i + 1]) for i in 1:L]
    return function ()
        for i in 1:L
            mul!(Y[i], X[i], W[i])
        end
        for i in L:-1:1
            (i > 1 || first_dx) && mul!(DX[i], D[i], transpose(W[i]))
            mul!(DW[i], transpose(X[i]), D[i])
        end
        return nothing
    end
end

"""The same products as `gemm_bound`, as numpy makes them: numpy's OpenBLAS,
row-major gemm on C-ordered operands, with numpy's transpose flags (`:numpy` mode)."""
function _numpy_gemm_bound(sizes::Vector{Int}, batch::Int; first_dx::Bool=true)
    lib = numpy_blas_lib()
    L = length(sizes) - 1
    # C-ordered numpy arrays: element (i, j) of an r×c array is data[j, i].
    W = [rand(sizes[i + 1], sizes[i]) for i in 1:L]
    X = [rand(sizes[i], batch) for i in 1:L]
    D = [rand(sizes[i + 1], batch) for i in 1:L]
    Y = [zeros(sizes[i + 1], batch) for i in 1:L]
    DX = [zeros(sizes[i], batch) for i in 1:L]
    DW = [zeros(sizes[i + 1], sizes[i]) for i in 1:L]
    N, T, R = CBLAS_NO_TRANS, CBLAS_TRANS, CBLAS_ROW_MAJOR
    return function ()
        for i in 1:L   # np.dot(x, W)
            a, h = sizes[i], sizes[i + 1]
            _gemm!(lib, R, N, N, batch, h, a, X[i], a, W[i], h, Y[i], h)
        end
        for i in L:-1:1
            a, h = sizes[i], sizes[i + 1]
            # np.dot(dout, W.T) and np.dot(x.T, dout)
            (i > 1 || first_dx) && _gemm!(lib, R, N, T, batch, a, h, D[i], h, W[i], h, DX[i], a)
            _gemm!(lib, R, T, N, a, h, batch, X[i], a, D[i], h, DW[i], h)
        end
        return nothing
    end
end

"""Step and bounds timed in alternating rounds after `warmup` calls of each (which
also compile them); the best round of each counts."""
function interleaved(step, bound, minimal, iterations::Int, repeats::Int; warmup::Int=3)
    for _ in 1:warmup
        step()
        bound()
        minimal()
    end
    steps, bounds, minimals = Float64[], Float64[], Float64[]
    for _ in 1:repeats
        push!(bounds, best_per_call(bound, iterations))
        push!(minimals, best_per_call(minimal, iterations))
        push!(steps, best_per_call(step, iterations))
    end
    return Dict{String,Any}("step_seconds" => minimum(steps), "bound_seconds" => minimum(bounds),
                            "ratio" => minimum(steps) / minimum(bounds),
                            "minimal_bound_seconds" => minimum(minimals),
                            "minimal_ratio" => minimum(steps) / minimum(minimals), "steps" => steps,
                            "bounds" => bounds)
end

function best_per_call(f, iterations::Int)
    t0 = time_ns()
    for _ in 1:iterations
        f()
    end
    return (time_ns() - t0) / 1e9 / iterations
end

"""
    step_timing(x, t; hidden, batch, lr, iterations, repeats, seed, blas_threads=1)

Seconds per step and per bound (best of `repeats`), their ratio, and this process's
peak resident memory.
"""
function step_timing(x::AbstractMatrix, t::AbstractVector; hidden, batch::Integer=128, lr::Real=0.01,
                     iterations::Integer=50, repeats::Integer=7, seed::Integer=0, blas_threads::Integer=1)
    numpy = blas_mode() === :numpy
    numpy ? set_numpy_blas_threads!(blas_threads) : BLAS.set_num_threads(blas_threads)
    rng = NumpyRandom.RandomState(seed)
    net = MultiLayerNet(size(x, 2), collect(hidden), PyRef.NUM_CLASSES; rng=rng)
    opt = SGD(lr=lr)
    n = size(x, 1)
    batcher, grads = RowBatcher(x), gradient_buffers(net)
    step = function ()   # as the loop of 6.1.8 (experiments.jl) and the Trainer do it
        mask = NumpyRandom.choice(rng, n, batch) .+ 1
        update!(opt, net.params, gradient!(grads, net, batch!(batcher, mask), rows(t, mask)))
        return nothing
    end
    sizes = vcat(size(x, 2), collect(hidden), PyRef.NUM_CLASSES)
    closure = numpy ? _numpy_gemm_bound : gemm_bound
    bound = closure(sizes, Int(batch))
    minimal = closure(sizes, Int(batch); first_dx=false)
    out = interleaved(step, bound, minimal, Int(iterations), Int(repeats); warmup=5)
    return merge!(out, Dict{String,Any}("maxrss_bytes" => Int(Sys.maxrss()), "blas_threads" => Int(blas_threads),
                            "blas" => String(blas_mode())))
end

# --------------------------------------------------------------------------
# Chapter 7: a SimpleConvNet training step
# --------------------------------------------------------------------------

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

end # module Bench

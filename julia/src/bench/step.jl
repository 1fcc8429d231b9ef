# `pyref bench`'s step section inside Julia (twin of pyref/bench/step.py): one step of
# the optimizer_compare_mnist net against its matrix products alone.

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

# Shuffling and the validation split of 6.5.1 (twin of the helpers in pyref/datasets.py).
# MNIST itself comes from Python (the bridge passes arrays, or .npy files).

"""MNIST's classes, the digits 0-9: the width of one-hot labels and of every net's output."""
const NUM_CLASSES = 10

rows(x::AbstractVector, idx) = x[idx]
rows(x::AbstractMatrix, idx) = x[idx, :]
rows(x::AbstractArray{<:Any,4}, idx) = x[idx, :, :, :]

"""
    shuffle_dataset(x, t; rng)

Shuffle samples (rows) and labels together with one `permutation` draw (the book's util).

# Arguments
- `x`: samples, (N, D) rows, (N, C, H, W) images or N entries.
- `t`: labels, N of them (a vector, or one-hot rows (N, C)).
- `rng`: the random stream (a `NumpyRandom.RandomState`), numpy's global one by default.

# Returns
`(x, t)` shuffled: new arrays of the same sizes.
"""
function shuffle_dataset(x::AbstractArray, t::AbstractArray; rng::NumpyRandom.RandomState=NumpyRandom.global_state())
    size(x, 1) == size(t, 1) || throw(DimensionMismatch("x has $(size(x, 1)) samples but t has $(size(t, 1)) labels"))
    perm = NumpyRandom.permutation(rng, size(x, 1)) .+ 1
    return rows(x, perm), rows(t, perm)
end

"""
    split_validation(x, t; validation_rate=0.2, rng) -> ((x_train, t_train), (x_val, t_val))

The 6.5.1 recipe: shuffle, then the first `trunc(N * rate)` rows are validation data,
the rest training data.

# Arguments
- `x`: samples, (N, D) rows, (N, C, H, W) images or N entries.
- `t`: labels, N of them.
- `validation_rate`: the share held out, in (0, 1).
- `rng`: the random stream (a `NumpyRandom.RandomState`), numpy's global one by default.

# Returns
`((x_train, t_train), (x_val, t_val))`, new arrays.
"""
function split_validation(x::AbstractArray, t::AbstractArray; validation_rate::Real=0.2,
                          rng::NumpyRandom.RandomState=NumpyRandom.global_state())
    rate = check_unit_interval("validation_rate", validation_rate; closed_low=false)
    validation_num = trunc(Int, size(x, 1) * rate)
    validation_num > 0 || throw(ArgumentError("validation_rate $validation_rate of $(size(x, 1)) samples leaves no " *
                                              "validation samples (int($(size(x, 1)) * $validation_rate) = 0)"))
    xs, ts = shuffle_dataset(x, t; rng=rng)
    n = size(xs, 1)
    return (rows(xs, (validation_num + 1):n), rows(ts, (validation_num + 1):n)),
           (rows(xs, 1:validation_num), rows(ts, 1:validation_num))
end

export shuffle_dataset, split_validation

"""
    RowBatcher(x)
    batch!(b, idx)

Minibatches of the rows `idx` of `x` (book layout), with the values of
`Float64.(x[idx, :])` — the numbers numpy's `x[idx]` gives once its float32 pixels
meet float64 weights. Rows of a column-major matrix are strided in memory, so
`x[idx, :]` touches a cache line per element; the batcher keeps `x` transposed (one
sample per column, made once) and copies whole samples into a reused buffer. The
batch comes back as `transpose` of that buffer: the book's layout without moving
the data again (BLAS reads it transposed at no cost). It is overwritten by the next
`batch!`.
"""
mutable struct RowBatcher{T<:Real}
    xt::Matrix{T}            # x transposed: one sample per column
    cols::Matrix{Float64}    # the batch, one sample per column
end
RowBatcher(x::AbstractMatrix{T}) where {T<:Real} = RowBatcher{T}(permutedims(x), zeros(size(x, 2), 0))

function batch!(b::RowBatcher, idx::AbstractVector{<:Integer})
    d, n = size(b.xt)
    b.cols = _sized(b.cols, (d, length(idx)))
    cols, xt = b.cols, b.xt
    for (i, r) in enumerate(idx)
        1 <= r <= n || throw(BoundsError(xt, (1, r)))
        @inbounds @simd for j in 1:d
            cols[j, i] = xt[j, r]   # contiguous, converted exactly to Float64
        end
    end
    return transpose(cols)
end

"""
    ImageBatcher(x)
    batch!(b, idx)

Minibatches of the images `idx` of `x` (N, C, H, W), with the values of numpy's
`x[idx]` as float64: the batcher keeps `x` in numpy's memory order (W×H×C×N, made
once), copies whole images into a reused buffer and hands it on as an `NCHW` view,
the layout a convolution reads directly. Overwritten by the next `batch!`.
"""
mutable struct ImageBatcher{T<:Real}
    xt::Array{T,4}
    buf::Array{Float64,4}
end
ImageBatcher(x::AbstractArray{T,4}) where {T<:Real} = ImageBatcher{T}(permutedims(x, (4, 3, 2, 1)), zeros(0, 0, 0, 0))

function batch!(b::ImageBatcher, idx::AbstractVector{<:Integer})
    W, H, C, n = size(b.xt)
    b.buf = _sized(b.buf, (W, H, C, length(idx)))
    per = W * H * C
    buf, xt = b.buf, b.xt
    for (i, r) in enumerate(idx)
        1 <= r <= n || throw(BoundsError(xt, (1, 1, 1, r)))
        o, s = (i - 1) * per, (r - 1) * per
        @inbounds @simd for j in 1:per
            buf[o + j] = xt[s + j]
        end
    end
    return _nchw(buf)
end

"""The batcher for a data set: rows of a matrix, or images of a 4-D array."""
batcher_for(x::AbstractMatrix) = RowBatcher(x)
batcher_for(x::AbstractArray{<:Real,4}) = ImageBatcher(x)

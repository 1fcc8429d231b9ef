# Convolution and pooling (twin of pyref/convolution.py): im2col, col2im, the
# Convolution and Pooling layers.
#
# Tensors are indexed as the book's NCHW arrays: x[n, c, h, w] is numpy's
# x[n-1, c-1, h-1, w-1], whatever the memory layout. Between layers PyRef hands on
# `PermutedDimsArray`s whose parent holds the data in numpy's memory order (no copies
# to change layout): `NCHW` (parent W×H×C×N: a C-ordered numpy array) and `NHWC`
# (parent C×W×H×N: what numpy holds after `out.reshape(N, OH, OW, -1).transpose(0, 3,
# 1, 2)`, the convolution's output). In `:numpy` BLAS mode every matrix product is
# numpy's call on numpy's layouts (see numpyblas.jl), so the results are bit for bit.

# The book's pooling: 2×2 windows moving by 2 (SimpleConvNet's; Pooling's default stride).
const POOL_SIZE = 2

"""A logical NCHW view of a W×H×C×N array: numpy's C-ordered (N, C, H, W) memory."""
const NCHW{T} = PermutedDimsArray{T,4,(4,3,2,1),(4,3,2,1),Array{T,4}}
"""A logical NCHW view of a C×W×H×N array: numpy's memory of an NHWC array seen as NCHW."""
const NHWC = PermutedDimsArray{Float64,4,(4,1,3,2),(2,4,3,1),Array{Float64,4}}
_nchw(A::Array{T,4}) where {T} = NCHW{T}(A)
_nhwc(A::Array{Float64,4}) = NHWC(A)

"""`x` must be a 4-D array (N, C, H, W): the same message as pyref's."""
_check_rank4(name::AbstractString, x::AbstractArray{<:Real,4}) = x
_check_rank4(name::AbstractString, x::AbstractArray) =
    throw(ArgumentError("$name must have 4 dimensions, got shape $(size(x))"))
_check_rank4(name::AbstractString, x) = throw(ArgumentError("$name must be a 4-D array, not $(typeof(x))"))

"""
    window_output_size(size, window, stride, pad; axis, window_name, input_name)

How many positions a window takes along an axis of `size` padded by `pad` on each
side, moving by `stride`. Throws (naming the arguments) when the window is larger than
the padded input, or when `stride` does not divide the span (the output size would
not be an integer; the book's code silently drops the remainder).
"""
function window_output_size(size::Integer, window::Integer, stride::Integer, pad::Integer; axis::AbstractString,
                            window_name::AbstractString, input_name::AbstractString)::Int
    padded = size + 2 * pad
    window > padded &&
        throw(DimensionMismatch("$window_name $window is larger than $input_name's padded $axis $padded ($axis $size, pad $pad)"))
    span = padded - window
    span % stride == 0 ||
        throw(ArgumentError("$input_name's padded $axis $padded minus $window_name $window is $span, not a multiple " *
                            "of stride $stride: the output $axis would not be an integer"))
    return div(span, stride) + 1
end

"""
    conv_output_size(input_size, filter_size, stride=1, pad=0) -> Float64

The book's util: (input_size + 2·pad − filter_size) / stride + 1, as a float.

# Arguments
- `input_size`: a positive integer.
- `filter_size`: a positive integer, no larger than the padded input.
- `stride`: ≥ 1.
- `pad`: ≥ 0.

# Returns
The size, a `Float64` (not necessarily whole: the book's value).
"""
function conv_output_size(input_size, filter_size, stride=1, pad=0)::Float64
    input_size = check_positive_int("input_size", input_size)
    filter_size = check_positive_int("filter_size", filter_size)
    stride = check_positive_int("stride", stride)
    pad = check_nonnegative_int("pad", pad)
    filter_size > input_size + 2 * pad &&
        throw(DimensionMismatch("filter_size $filter_size is larger than the padded input $(input_size + 2 * pad) " *
                                "(input_size $input_size, pad $pad)"))
    return (input_size + 2 * pad - filter_size) / stride + 1
end

"""(out_h, out_w) of an NCHW `shape`, checked; `names` name the window's height and width."""
function _window_geometry(shape::NTuple{4,Int}, fh::Int, fw::Int, stride::Int, pad::Int, names, input_name)
    out_h = window_output_size(shape[3], fh, stride, pad; axis="height", window_name=names[1], input_name=input_name)
    out_w = window_output_size(shape[4], fw, stride, pad; axis="width", window_name=names[2], input_name=input_name)
    return out_h, out_w
end

# --------------------------------------------------------------------------
# im2col and col2im in numpy's memory
# --------------------------------------------------------------------------

"""
    _im2col_np!(buf, x, fh, fw, stride, pad, out_h, out_w) -> NpMatrix

The book's `col` as numpy holds it: C-ordered (N·OH·OW, C·FH·FW), except for a
single sample, where the book's reshape of its transposed array is a view in Fortran
order. `buf` is reused when it has the right size, and so is `padbuf`, which holds
the zero-padded images in numpy's order for the C-ordered case.
"""
function _im2col_np!(buf::Matrix{Float64}, x::AbstractArray{<:Real,4}, fh::Int, fw::Int, stride::Int, pad::Int,
                    out_h::Int, out_w::Int, padbuf::Array{Float64,4}=zeros(0, 0, 0, 0))
    N, C, H, W = size(x)
    cff, noo = C * fh * fw, N * out_h * out_w
    fortran = N == 1
    data = _sized(buf, fortran ? (noo, cff) : (cff, noo))
    if !fortran
        P = _copies_padded(x, pad) ? _padded_np!(padbuf, x, pad) : parent(x)
        return _im2col_nchw!(data, P, fh, fw, stride, out_h, out_w)
    end
    sk, sr = fortran ? (noo, 1) : (1, cff)   # linear offsets of a column (k) and a row (r)
    @inbounds for n in 1:N, i in 1:out_h, j in 1:out_w
        r = ((n - 1) * out_h + (i - 1)) * out_w + (j - 1)
        k = 0
        for c in 1:C, y in 1:fh
            h = (i - 1) * stride + y - pad
            inside_h = 1 <= h <= H
            for xx in 1:fw
                w = (j - 1) * stride + xx - pad
                data[1 + r * sr + k * sk] = (inside_h && 1 <= w <= W) ? Float64(x[n, c, h, w]) : 0.0
                k += 1
            end
        end
    end
    return NpMatrix(data, noo, cff, fortran)
end

"""Whether im2col of `x` first copies it zero-padded: for a C-ordered col (more than one
sample), unless `x` already is numpy's memory, unpadded."""
_copies_padded(x::AbstractArray{<:Real,4}, pad::Int) = size(x, 1) > 1 && !(x isa NCHW{Float64} && pad == 0)
"""The size of `x` (N, C, H, W) zero-padded by `pad`, in numpy's order: (W + 2·pad, H + 2·pad, C, N)."""
_padded_size(x::AbstractArray{<:Real,4}, pad::Int) = (size(x, 4) + 2pad, size(x, 3) + 2pad, size(x, 2), size(x, 1))

"""`x` (N, C, H, W) zero-padded by `pad` as numpy holds the padded array
(`_padded_size`), in `buf` when it has that size."""
function _padded_np!(buf::Array{Float64,4}, x::AbstractArray{<:Real,4}, pad::Int)
    N, C, H, W = size(x)
    P = _sized(buf, _padded_size(x, pad))
    pad > 0 && fill!(P, 0.0)
    @inbounds for n in 1:N, c in 1:C, h in 1:H, w in 1:W
        P[w + pad, h + pad, c, n] = Float64(x[n, c, h, w])
    end
    return P
end

"""im2col of numpy-ordered memory without padding, C order: each window's rows copied whole."""
function _im2col_nchw!(data::Matrix{Float64}, P::Array{Float64,4}, fh::Int, fw::Int, stride::Int, out_h::Int, out_w::Int)
    W, H, C, N = size(P)
    cff = C * fh * fw
    o = 0
    @inbounds for n in 1:N, i in 1:out_h, j in 1:out_w
        for c in 1:C, y in 1:fh
            h = (i - 1) * stride + y
            w0 = (j - 1) * stride
            @simd for xx in 1:fw
                data[o + xx] = P[w0 + xx, h, c, n]
            end
            o += fw
        end
    end
    return NpMatrix(data, N * out_h * out_w, cff, false)
end

"""
    _col2im_np!(img, col, N, C, fh, fw, stride, out_h, out_w) -> img

The book's col2im into `img` (numpy order, (W + 2·pad + stride − 1) × (H + …) × C × N,
zeroed here): every element the sum, from 0.0, of its entries in filter-position order
(filter row, then column), as the book's one strided addition per filter position.

# Notes
The rows of `col` are visited once each, last window first: an element's windows
with a later filter position are the earlier windows, so visiting the windows from the
last backwards adds each element's entries in filter-position order.
"""
function _col2im_np!(img::Array{Float64,4}, col::NpMatrix, N::Int, C::Int, fh::Int, fw::Int, stride::Int,
                    out_h::Int, out_w::Int)
    fill!(img, 0.0)
    if col.fortran
        @inbounds for y in 1:fh, xx in 1:fw, n in 1:N, c in 1:C
            k = ((c - 1) * fh + (y - 1)) * fw + xx
            for i in 1:out_h, j in 1:out_w
                r = ((n - 1) * out_h + (i - 1)) * out_w + j
                img[(j - 1) * stride + xx, (i - 1) * stride + y, c, n] += col.data[r, k]
            end
        end
        return img
    end
    data = col.data
    @inbounds for n in 1:N, i in out_h:-1:1, j in out_w:-1:1
        r = ((n - 1) * out_h + (i - 1)) * out_w + j
        k = 0
        for c in 1:C, y in 1:fh
            h = (i - 1) * stride + y
            w0 = (j - 1) * stride
            for xx in 1:fw
                img[w0 + xx, h, c, n] += data[k + xx, r]
            end
            k += fw
        end
    end
    return img
end

"""The interior of a padded numpy-order image, as a W×H×C×N array in `buf` when it has that size."""
function _crop!(buf::Array{Float64,4}, img::Array{Float64,4}, H::Int, W::Int, pad::Int)
    dst = _sized(buf, (W, H, size(img, 3), size(img, 4)))
    return copyto!(dst, view(img, (pad + 1):(pad + W), (pad + 1):(pad + H), :, :))
end

function _check_window_args(fh, fw, stride, pad, names)
    return (check_positive_int(names[1], fh), check_positive_int(names[2], fw), check_positive_int("stride", stride),
            check_nonnegative_int("pad", pad))
end

"""
    im2col(input_data, filter_h, filter_w, stride=1, pad=0) -> Matrix{Float64}

Every filter window of `input_data` as a row of a matrix, zero-padded by `pad`.

# Arguments
- `input_data`: images, a 4-D (N, C, H, W) array indexed as numpy's (any layout).
- `filter_h`, `filter_w`: the window's height and width.
- `stride`: how far the window moves, ≥ 1.
- `pad`: zeros added on each side of H and W, ≥ 0.

# Returns
col, a new (N·out_h·out_w, C·filter_h·filter_w) `Matrix{Float64}`: rows ordered
(sample, window row, window column), columns (channel, filter row, filter column).
"""
function im2col(input_data, filter_h, filter_w, stride=1, pad=0)
    x = _check_rank4("input_data", input_data)
    fh, fw, s, p = _check_window_args(filter_h, filter_w, stride, pad, ("filter_h", "filter_w"))
    out_h, out_w = _window_geometry(size(x), fh, fw, s, p, ("filter_h", "filter_w"), "input_data")
    col = _im2col_np!(zeros(0, 0), x, fh, fw, s, p, out_h, out_w)
    return col.fortran ? col.data : permutedims(col.data)
end

"""
    col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0) -> Array{Float64,4}

The inverse layout of im2col, summing where windows overlap in the book's order.

# Arguments
- `col`: (N·out_h·out_w, C·filter_h·filter_w), as `im2col` makes.
- `input_shape`: (N, C, H, W) of the images `im2col` read.
- `filter_h`, `filter_w`, `stride`, `pad`: as given to `im2col`.

# Returns
img, a new (N, C, H, W) `Array{Float64,4}`; each element the sum, in filter-position
order (the book's accumulation order), of the entries of `col` copied from it.
"""
function col2im(col::AbstractMatrix{<:Real}, input_shape, filter_h, filter_w, stride=1, pad=0)
    length(input_shape) == 4 || throw(ArgumentError("input_shape must have 4 sizes (N, C, H, W), got $(Tuple(input_shape))"))
    N, C, H, W = (check_positive_int("input_shape", v) for v in input_shape)
    fh, fw, s, p = _check_window_args(filter_h, filter_w, stride, pad, ("filter_h", "filter_w"))
    out_h, out_w = _window_geometry((N, C, H, W), fh, fw, s, p, ("filter_h", "filter_w"), "input_shape")
    expected = (N * out_h * out_w, C * fh * fw)
    size(col) == expected ||
        throw(DimensionMismatch("col has shape $(size(col)); input_shape $((N, C, H, W)) with these filters gives $expected"))
    npcol = NpMatrix(permutedims(Float64.(col)), expected..., false)
    img = Array{Float64,4}(undef, W + 2p + s - 1, H + 2p + s - 1, C, N)
    _col2im_np!(img, npcol, N, C, fh, fw, s, out_h, out_w)
    return permutedims(_crop!(zeros(0, 0, 0, 0), img, H, W, p), (4, 3, 2, 1))
end
col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0) =
    throw(ArgumentError("col must be a matrix, got $(col isa AbstractArray ? "shape $(size(col))" : typeof(col))"))

# --------------------------------------------------------------------------
# The layers
# --------------------------------------------------------------------------

"""
    Convolution(W, b, stride=1, pad=0)

A convolution layer: im2col, then one matrix product with the filters as columns
(`col_W`). `forward!` returns an `NHWC` view of the layer's own output array.

# Arguments
- `W`: filters, (FN, C, FH, FW), indexed as numpy's.
- `b`: biases, FN entries, or one number for all (as the book's apply_filter.py passes 0).
- `stride`: how far the filters move, ≥ 1.
- `pad`: zeros added on each side of the input's H and W, ≥ 0.
"""
mutable struct Convolution <: Layer
    W::Array{Float64,4}
    b::Vector{Float64}
    stride::Int
    pad::Int
    x_shape::NTuple{4,Int}
    out_size::NTuple{2,Int}
    col::NpMatrix            # numpy's col (C order, or F for one sample)
    col_W::NpMatrix          # W.reshape(FN, -1).T: W's memory, an F-ordered (C·FH·FW, FN) matrix
    out::Matrix{Float64}     # np.dot(col, col_W) + b in numpy's memory: FN × N·OH·OW
    dout::Matrix{Float64}    # dout as the book's (N·OH·OW, FN) matrix, when it must be copied
    dWc::Matrix{Float64}     # np.dot(col.T, dout) in numpy's memory: FN × C·FH·FW
    dcol::Matrix{Float64}
    img::Array{Float64,4}
    padded::Array{Float64,4} # the zero-padded input in numpy's order (im2col's source)
    dW::Array{Float64,4}
    db::Vector{Float64}
    dx::Array{Float64,4}     # W×H×C×N
end
function Convolution(W::AbstractArray{<:Real,4}, b, stride=1, pad=0)
    FN = size(W, 1)
    bias = if b isa AbstractVector{<:Real}
        length(b) == FN || throw(DimensionMismatch("b has $(length(b)) entries for W with $FN filters"))
        b isa Vector{Float64} ? b : Vector{Float64}(b)
    elseif b isa Real && !(b isa Bool)
        fill(check_real("b", b), FN)
    else
        throw(ArgumentError("b must be a vector or a number, not $(typeof(b))"))
    end
    W isa Array{Float64,4} || (W = Array{Float64,4}(W))
    check_array("W", W)
    e = zeros(0, 0)
    return Convolution(W, bias, check_positive_int("stride", stride), check_nonnegative_int("pad", pad),
                       (0, 0, 0, 0), (0, 0), NpMatrix(e, 0, 0, false), NpMatrix(e, 0, 0, true), zeros(0, 0), zeros(0, 0),
                       zeros(0, 0), zeros(0, 0), zeros(0, 0, 0, 0), zeros(0, 0, 0, 0), zeros(size(W)), zeros(FN),
                       zeros(0, 0, 0, 0))
end
Convolution(W::AbstractArray, b, stride=1, pad=0) = _check_rank4("W", W)

"""W's memory in numpy's order as the (C·FH·FW) × FN data of `col_W`, into `buf`."""
function _numpy_filters!(buf::Matrix{Float64}, W::Array{Float64,4})
    FN, C, FH, FW = size(W)
    data = _sized(buf, (C * FH * FW, FN))
    @inbounds for f in 1:FN, c in 1:C, y in 1:FH, x in 1:FW
        data[((c - 1) * FH + (y - 1)) * FW + x, f] = W[f, c, y, x]
    end
    return data
end

function _conv_geometry(l::Convolution, x::AbstractArray)
    x = _check_rank4("x", x)
    check_batch("x", x)
    FN, C, FH, FW = size(l.W)
    size(x, 2) == C || throw(DimensionMismatch("x has $(size(x, 2)) channels, W's filters have $C"))
    return _window_geometry(size(x), FH, FW, l.stride, l.pad, ("W's filter height", "W's filter width"), "x")
end

"""
    forward!(l::Convolution, x)
    forward(l::Convolution, x)

Convolution forward pass; im2col's matrix of `x` is kept for backward.

# Arguments
- `l`: the layer.
- `x`: images, a 4-D (N, C, H, W) array indexed as numpy's (any layout; an `NCHW` view
  is read in numpy's memory order).

# Returns
out, (N, FN, out_h, out_w): `forward!` an `NHWC` view of the layer's own array (numpy's
memory of `out.reshape(N, OH, OW, -1).transpose(0, 3, 1, 2)`; overwritten by the next
pass), `forward` a new `Array{Float64,4}`.
"""
function forward!(l::Convolution, x::AbstractArray{<:Real,4})
    out_h, out_w = _conv_geometry(l, x)
    FN, C, FH, FW = size(l.W)
    N = size(x, 1)
    l.x_shape = size(x)
    l.out_size = (out_h, out_w)
    p = l.pad
    _copies_padded(x, p) && (l.padded = _sized(l.padded, _padded_size(x, p)))   # kept for the next pass
    l.col = _im2col_np!(l.col.data, x, FH, FW, l.stride, p, out_h, out_w, l.padded)
    l.col_W = NpMatrix(_numpy_filters!(l.col_W.data, l.W), C * FH * FW, FN, true)
    l.out = _sized(l.out, (FN, N * out_h * out_w))
    if blas_mode() === :numpy
        np_dot_c!(l.out, l.col, l.col_W)
    else
        cw = transpose(l.col_W.data)
        l.col.fortran ? mul!(l.out, cw, transpose(l.col.data)) : mul!(l.out, cw, l.col.data)
    end
    b = l.b
    out = l.out
    @inbounds for r in 1:size(out, 2)
        @simd for f in 1:FN
            out[f, r] += b[f]
        end
    end
    return _nhwc(reshape(out, FN, out_w, out_h, N))
end
forward!(l::Convolution, x) = (_check_rank4("x", x); nothing)

"""`dout` for `l`'s backward: after a forward pass (an ErrorException otherwise, as
pyref's RuntimeError; no forward pass leaves `x_shape` all zeros, a forward pass has a
sample at least), of the last forward output's shape `out` (a DimensionMismatch)."""
function _check_dout(l, out::NTuple{4,Int}, dout::AbstractArray)
    name = nameof(typeof(l))
    l.x_shape == (0, 0, 0, 0) && error("$name.backward needs a forward pass first")
    size(dout) == out || throw(DimensionMismatch("dout has shape $(size(dout)); $name's last forward output had $out"))
    return dout
end

"""
    backward!(l::Convolution, dout; need_dx=true)
    backward(l::Convolution, dout; need_dx=true)

Convolution backward pass: dW, db (kept on the layer) and, unless `need_dx` is false, dx.

# Arguments
- `l`: the layer, after a forward pass.
- `dout`: upstream gradient, (N, FN, out_h, out_w) as the last output, any layout.
- `need_dx`: false to skip dx (a net's first layer: nothing uses the gradient of the
  input images).

# Returns
dx, (N, C, H, W) as the last input: `backward!` an `NCHW` view of the layer's array,
`backward` a new `Array{Float64,4}`; `nothing` when `need_dx` is false.

# Notes
numpy's `dout.transpose(0, 2, 3, 1).reshape(-1, FN)` is a copy (C order) unless `dout`
is a C-ordered numpy array of one sample, whose reshape is a view (F order): an `NHWC`
dout (what PyRef's Relu and Pooling hand back, as the book's pooling hands back a view
that numpy copies here) is taken as the former, any other array as a C-ordered numpy
array.
"""
function backward!(l::Convolution, dout::AbstractArray{<:Real,4}; need_dx::Bool=true)
    N, C, H, W = l.x_shape
    FN, _, FH, FW = size(l.W)
    noo = size(l.out, 2)
    out_h, out_w = l.out_size
    _check_dout(l, (N, FN, out_h, out_w), dout)
    D = _dout_matrix!(l, dout)
    # db = np.sum(dout, axis=0): row after row (C order), or pairwise down each column (F order).
    if D.fortran
        col = Vector{Float64}(undef, noo)
        for f in 1:FN
            @inbounds for r in 1:noo
                col[r] = D.data[r, f]
            end
            l.db[f] = 0.0 + pairwise_sum(col, 1, noo)
        end
    else   # C order: rows are D.data's columns, added one after another
        db, data = fill!(l.db, 0.0), D.data
        @inbounds for r in 1:noo
            @simd for f in 1:FN
                db[f] += data[f, r]
            end
        end
    end
    cff = C * FH * FW
    l.dWc = _sized(l.dWc, (FN, cff))
    numpy = blas_mode() === :numpy
    if numpy
        np_dot_c!(l.dWc, np_transpose(l.col), D)      # np.dot(col.T, dout)
    else
        dm = D.fortran ? transpose(D.data) : D.data   # FN × N·OH·OW
        l.col.fortran ? mul!(l.dWc, dm, l.col.data) : mul!(l.dWc, dm, transpose(l.col.data))
    end
    dWc, dW = l.dWc, l.dW
    @inbounds for f in 1:FN, c in 1:C, y in 1:FH, x in 1:FW
        dW[f, c, y, x] = dWc[f, ((c - 1) * FH + (y - 1)) * FW + x]
    end
    need_dx || return nothing
    l.dcol = _sized(l.dcol, (cff, noo))
    if numpy
        np_dot_c!(l.dcol, D, np_transpose(l.col_W))   # np.dot(dout, col_W.T)
    else
        dm = D.fortran ? D.data : transpose(D.data)   # N·OH·OW × FN
        mul!(l.dcol, l.col_W.data, transpose(dm))
    end
    s, p = l.stride, l.pad
    l.img = _sized(l.img, (W + 2p + s - 1, H + 2p + s - 1, C, N))
    _col2im_np!(l.img, NpMatrix(l.dcol, noo, cff, false), N, C, FH, FW, s, out_h, out_w)
    l.dx = _crop!(l.dx, l.img, H, W, p)
    return _nchw(l.dx)
end
backward!(l::Convolution, dout; need_dx::Bool=true) = (_check_rank4("dout", dout); nothing)

"""dout as numpy's `dout.transpose(0, 2, 3, 1).reshape(-1, FN)` (see `backward!`)."""
function _dout_matrix!(l::Convolution, dout::NHWC)
    FN = size(dout, 2)
    return NpMatrix(reshape(parent(dout), FN, :), size(l.out, 2), FN, false)
end
function _dout_matrix!(l::Convolution, dout::AbstractArray{<:Real,4})
    N, FN, OH, OW = size(dout)
    fortran = N == 1 && OH * OW > 1 && FN > 1   # numpy's reshape is then a view, F order
    l.dout = _sized(l.dout, fortran ? (OH * OW, FN) : (FN, N * OH * OW))
    D = l.dout
    @inbounds for n in 1:N, i in 1:OH, j in 1:OW
        r = ((n - 1) * OH + (i - 1)) * OW + j
        for f in 1:FN
            v = Float64(dout[n, f, i, j])
            fortran ? (D[r, f] = v) : (D[f, r] = v)
        end
    end
    return NpMatrix(D, N * OH * OW, FN, fortran)
end

"""
    Pooling(pool_h, pool_w, stride=2, pad=0)

Max pooling over `pool_h` × `pool_w` windows. `arg_max` is the book's: per window, in
the order (sample, row, column, channel), the 0-based position of its first maximum
(row-major; a NaN stops the search, as numpy's argmax). `forward!` returns an `NCHW`
view, `backward!` an `NHWC` one (the layout the convolution below reads directly).

# Arguments
- `pool_h`, `pool_w`: the window's height and width, ≥ 1.
- `stride`: how far the window moves, ≥ 1.
- `pad`: padding on each side of H and W, ≥ 0.
"""
mutable struct Pooling <: Layer
    pool_h::Int
    pool_w::Int
    stride::Int
    pad::Int
    x_shape::NTuple{4,Int}
    arg_max::Vector{Int}
    out::Array{Float64,4}    # OW×OH×C×N
    img::Array{Float64,4}    # C×W'×H'×N (overlapping windows)
    dx::Array{Float64,4}     # C×W×H×N
end
Pooling(pool_h, pool_w, stride=POOL_SIZE, pad=0) =
    Pooling(check_positive_int("pool_h", pool_h), check_positive_int("pool_w", pool_w),
            check_positive_int("stride", stride), check_nonnegative_int("pad", pad), (0, 0, 0, 0), Int[],
            zeros(0, 0, 0, 0), zeros(0, 0, 0, 0), zeros(0, 0, 0, 0))

"""
    forward!(l::Pooling, x)
    forward(l::Pooling, x)

Max pooling forward pass; each window's first maximum's position is kept for backward.

# Arguments
- `l`: the layer.
- `x`: images, a 4-D (N, C, H, W) array indexed as numpy's (any layout; an `NHWC` view,
  the convolution's output, is read in its memory order).

# Returns
Each window's maximum, (N, C, out_h, out_w): `forward!` an `NCHW` view of the layer's
own array (overwritten by the next pass), `forward` a new `Array{Float64,4}`.
"""
function forward!(l::Pooling, x::AbstractArray{<:Real,4})
    check_batch("x", x)
    N, C, H, W = size(x)
    out_h, out_w = _window_geometry(size(x), l.pool_h, l.pool_w, l.stride, l.pad, ("pool_h", "pool_w"), "x")
    l.x_shape = size(x)
    l.out = _sized(l.out, (out_w, out_h, C, N))
    resize!(l.arg_max, N * out_h * out_w * C)
    _tiled(l) && _tiled_first_maxima!(l, x, out_h, out_w) || _first_maxima!(l, x, out_h, out_w)
    return _nchw(l.out)
end

"""Whether the windows tile the input: no padding, square windows as wide as the
stride (the book's 2×2 pooling by 2), so every input element lies in one window."""
_tiled(l::Pooling) = l.pad == 0 && l.pool_h == l.stride && l.pool_w == l.stride

"""
    _tiled_first_maxima!(l, x, out_h, out_w) -> Bool

`_first_maxima!` for tiling windows: the book's 2×2 windows by 2 over a convolution's
`NHWC` output (C×W×H×N in memory), all channels of a window at once (a vectorised
loop), the same comparisons. false, with nothing to rely on written, when `x` holds a
NaN (then `_first_maxima!`, which stops at it as numpy's argmax) or is not that case.
"""
_tiled_first_maxima!(l::Pooling, x::AbstractArray, out_h::Int, out_w::Int) = false
_tiled_first_maxima!(l::Pooling, x::NHWC, out_h::Int, out_w::Int) =
    l.stride == 2 && _tiled_first_maxima_2x2!(l, parent(x), out_h, out_w)
function _tiled_first_maxima_2x2!(l::Pooling, P::Array{Float64,4}, out_h::Int, out_w::Int)
    C, W, H, N = size(P)
    out, arg = l.out, l.arg_max
    right, down, plane = C, C * W, out_h * out_w
    E, A = 0x7ff0000000000000, 0x7fffffffffffffff
    e = zero(UInt64)   # the largest magnitude's bits seen: above E only for a NaN
    @inbounds for n in 1:N, i in 1:out_h, j in 1:out_w
        first = C * ((2j - 2) + W * ((2i - 2) + H * (n - 1)))   # the window's first position
        at = (((n - 1) * out_h + (i - 1)) * out_w + (j - 1)) * C
        o = j + out_w * (i - 1) + plane * C * (n - 1)
        @simd for c in 1:C
            b, v1, v2, v3 = P[first + c], P[first + right + c], P[first + down + c], P[first + down + right + c]
            e = max(e, max(max(reinterpret(UInt64, b) & A, reinterpret(UInt64, v1) & A),
                           max(reinterpret(UInt64, v2) & A, reinterpret(UInt64, v3) & A)))
            k = 0
            t = v1 > b; b = ifelse(t, v1, b); k = ifelse(t, 1, k)   # a later equal value does not win
            t = v2 > b; b = ifelse(t, v2, b); k = ifelse(t, 2, k)
            t = v3 > b; b = ifelse(t, v3, b); k = ifelse(t, 3, k)
            arg[at + c] = k
            out[o + plane * (c - 1)] = b
        end
    end
    return e <= E
end

"""Each window's first maximum and its position (row-major), as numpy's argmax (a NaN
stops the search): window by window, channel innermost (contiguous in an `NHWC` input)."""
function _first_maxima!(l::Pooling, x::AbstractArray{<:Real,4}, out_h::Int, out_w::Int)
    N, C, H, W = size(x)
    out, arg = l.out, l.arg_max
    ph, pw, s, p = l.pool_h, l.pool_w, l.stride, l.pad
    idx = 0
    @inbounds for n in 1:N, i in 1:out_h, j in 1:out_w, c in 1:C
        best = 0.0
        kbest = 0
        k = 0
        for y in 1:ph
            h = (i - 1) * s + y - p
            for xx in 1:pw
                w = (j - 1) * s + xx - p
                v = (1 <= h <= H && 1 <= w <= W) ? Float64(x[n, c, h, w]) : 0.0
                if k == 0 || !(v <= best)   # numpy's argmax: a later equal value does not win
                    best, kbest = v, k
                end
                isnan(best) && break
                k += 1
            end
            isnan(best) && break
        end
        idx += 1
        arg[idx] = kbest
        out[j, i, c, n] = best
    end
    return out
end
forward!(l::Pooling, x) = (_check_rank4("x", x); nothing)

"""
    backward!(l::Pooling, dout)
    backward(l::Pooling, dout)

Max pooling backward pass: each window's gradient goes to its first maximum.

# Arguments
- `l`: the layer, after a forward pass.
- `dout`: upstream gradient, (N, C, out_h, out_w) as the last output, any layout.

# Returns
dx, (N, C, H, W) as the last input: `backward!` an `NHWC` view of the layer's array,
`backward` a new `Array{Float64,4}`.
"""
function backward!(l::Pooling, dout::AbstractArray{<:Real,4})
    N, C, H, W = l.x_shape
    ph, pw, s, p = l.pool_h, l.pool_w, l.stride, l.pad
    out_w, out_h = size(l.out, 1), size(l.out, 2)
    _check_dout(l, (N, C, out_h, out_w), dout)
    arg = l.arg_max
    if _tiled(l)
        # The windows tile the input: every element is written once, 0.0 or 0.0 + its value.
        l.dx = _sized(l.dx, (C, W, H, N))
        dx = l.dx
        v = Vector{Float64}(undef, C)
        right, down = C, C * W
        @inbounds for n in 1:N, i in 1:out_h, j in 1:out_w
            for c in 1:C
                v[c] = 0.0 + Float64(dout[n, c, i, j])
            end
            at = (((n - 1) * out_h + (i - 1)) * out_w + (j - 1)) * C
            if s == 2   # the book's 2×2 windows: the four positions in one vectorised loop
                first = C * ((2j - 2) + W * ((2i - 2) + H * (n - 1)))   # the window's first position
                @simd for c in 1:C
                    a, g = arg[at + c], v[c]
                    dx[first + c] = ifelse(a == 0, g, 0.0)
                    dx[first + right + c] = ifelse(a == 1, g, 0.0)
                    dx[first + down + c] = ifelse(a == 2, g, 0.0)
                    dx[first + down + right + c] = ifelse(a == 3, g, 0.0)
                end
            else
                for k in 0:(s * s - 1)
                    y, xx = divrem(k, s)
                    w, h = (j - 1) * s + xx + 1, (i - 1) * s + y + 1
                    @simd for c in 1:C
                        dx[c, w, h, n] = ifelse(arg[at + c] == k, v[c], 0.0)
                    end
                end
            end
        end
        return _nhwc(dx)
    end
    if s >= ph && s >= pw
        # Windows do not overlap: each element gets 0.0 + one value, or stays 0.0.
        l.dx = _sized(l.dx, (C, W, H, N))
        dx = fill!(l.dx, 0.0)
        idx = 0
        @inbounds for n in 1:N, i in 1:out_h, j in 1:out_w, c in 1:C
            idx += 1
            y, xx = divrem(arg[idx], pw)
            h = (i - 1) * s + y + 1 - p
            w = (j - 1) * s + xx + 1 - p
            if 1 <= h <= H && 1 <= w <= W
                dx[c, w, h, n] = 0.0 + Float64(dout[n, c, i, j])
            end
        end
        return _nhwc(dx)
    end
    # Overlapping windows: col2im's sums, filter position after filter position.
    l.img = _sized(l.img, (C, W + 2p + s - 1, H + 2p + s - 1, N))
    img = fill!(l.img, 0.0)
    @inbounds for y in 1:ph, xx in 1:pw
        k = (y - 1) * pw + (xx - 1)
        idx = 0
        for n in 1:N, i in 1:out_h, j in 1:out_w, c in 1:C
            idx += 1
            img[c, (j - 1) * s + xx, (i - 1) * s + y, n] += arg[idx] == k ? Float64(dout[n, c, i, j]) : 0.0
        end
    end
    l.dx = img[:, (p + 1):(p + W), (p + 1):(p + H), :]
    return _nhwc(l.dx)
end
backward!(l::Pooling, dout) = (_check_rank4("dout", dout); nothing)

# The allocating forms: new arrays, indexed as the book's.
forward(l::Union{Convolution,Pooling}, x::AbstractArray{<:Real,4}) = collect(forward!(l, x))
forward(l::Union{Convolution,Pooling}, x::AbstractMatrix) = _check_rank4("x", x)
forward(l::Union{Convolution,Pooling}, x) = _check_rank4("x", x)
backward(l::Pooling, dout::AbstractArray{<:Real,4}) = collect(backward!(l, dout))
backward(l::Pooling, dout::AbstractMatrix) = _check_rank4("dout", dout)
backward(l::Pooling, dout) = _check_rank4("dout", dout)
backward(l::Convolution, dout::AbstractMatrix; need_dx::Bool=true) = _check_rank4("dout", dout)
function backward(l::Convolution, dout; need_dx::Bool=true)
    dx = backward!(l, dout; need_dx=need_dx)
    return dx === nothing ? nothing : collect(dx)
end

export im2col, col2im, conv_output_size, Convolution, Pooling

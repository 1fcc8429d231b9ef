# Layers with forward and backward passes (twin of pyref/layers.py): the computational
# graph's MulLayer and AddLayer, then the net layers. Data in the book's layout:
# samples in rows. Labels: 0-based class indices or one-hot rows.

const BATCHNORM_EPS = 10e-7
const BATCHNORM_MOMENTUM = 0.9

abstract type Layer end

_tofloat(x::AbstractArray{Float64}) = x
_tofloat(x::AbstractArray{<:Real}) = Float64.(x)   # numpy promotes float32 inputs the same way
_tofloat(x::Transpose{T,Matrix{T}}) where {T<:Real} = transpose(Float64.(parent(x)))   # stays C-ordered
_tofloat(x::Transpose{Float64,Matrix{Float64}}) = x   # already float64: no copy (the method above would make one)

# Each layer keeps the arrays its pass writes and reuses them while the batch size
# stays the same: `forward!`/`backward!` return those arrays (overwritten by the next
# pass), `forward`/`backward` return copies. The nets use the former.

"""`dout` for `layer`'s backward: after a forward pass (`state`, what it kept, is no
longer the initial 0×0), of the forward output's size (pyref's RuntimeError and
ValueError: an ErrorException and a DimensionMismatch)."""
function check_backward(layer, state::AbstractArray, dout::AbstractArray)
    name = nameof(typeof(layer))
    size(state) == (0, 0) && size(dout) != (0, 0) && error("$name.backward needs a forward pass first")
    size(dout) == size(state) ||
        throw(DimensionMismatch("dout has size $(size(dout)); $name's last forward output had $(size(state))"))
    return dout
end

"""`buf` if it already has size `dims`, else a new array of that size."""
_sized(buf::Array{T,N}, dims::NTuple{N,Int}) where {T,N} = size(buf) == dims ? buf : Array{T,N}(undef, dims)

# In numpy BLAS mode an Affine layer hands its results on as numpy holds them,
# C-ordered: `transpose(P)` of a buffer `P` whose columns are the samples. The
# elementwise layers keep that layout (they compute on `P`), so nothing is
# reordered between one product and the next; their arithmetic is the same in
# either layout.
"""The array an elementwise layer computes on for `x`, and whether it is C-ordered."""
_storage(x::CMatrix) = (parent(x), true)
_storage(x::Matrix{Float64}) = (x, false)
_storage(x::AbstractMatrix) = (Matrix{Float64}(x), false)

"""`dout` in the layout of the forward pass (`c_ordered`), copied only if it is not."""
_in_layout(dout::CMatrix, c_ordered::Bool) = c_ordered ? parent(dout) : Matrix{Float64}(dout)
_in_layout(dout::AbstractMatrix, c_ordered::Bool) = c_ordered ? permutedims(dout) : dout

"""The layer's buffer handed on in its layout."""
_handed_on(buf::Matrix{Float64}, c_ordered::Bool) = c_ordered ? transpose(buf) : buf

"""A MulLayer/AddLayer operand: a real number (not a Bool) or an array of them, unchanged
(Ints stay Ints, as in the book)."""
_check_operand(name::AbstractString, v::Real) =
    v isa Bool ? throw(ArgumentError("$name must be a real number or an array, not Bool")) : v
_check_operand(name::AbstractString, v::AbstractArray{<:Real}) = v
_check_operand(name::AbstractString, v) =
    throw(ArgumentError("$name must be a real number or an array, not $(typeof(v))"))

"""
    MulLayer()

The book's multiplication node (5.4.1): `forward(l, x, y)` returns x·y (elementwise,
broadcast) and keeps both factors; `backward(l, dout)` returns (dout·y, dout·x).
Numbers keep their types: 100·2 stays the Int 200, 200·1.1 is 220.00000000000003.
"""
mutable struct MulLayer
    x::Any
    y::Any
end
MulLayer() = MulLayer(nothing, nothing)
"""
    forward(l::MulLayer, x, y)

Multiplication node forward pass: x·y, elementwise and broadcast; both factors are kept.

# Arguments
- `l`: the node.
- `x`, `y`: real numbers (not Bools) or arrays of shapes that broadcast together.

# Returns
`x .* y`, of the broadcast shape (numbers keep their types).
"""
function forward(l::MulLayer, x, y)
    l.x = _check_operand("x", x)
    l.y = _check_operand("y", y)
    return x .* y
end
"""
    backward(l::MulLayer, dout)

Multiplication node backward pass.

# Arguments
- `l`: the node, after a forward pass.
- `dout`: upstream gradient, the forward output's shape (or a number).

# Returns
`(dx, dy) = (dout .* y, dout .* x)`.
"""
function backward(l::MulLayer, dout)
    l.x === nothing && error("MulLayer.backward needs a forward pass first")
    _check_operand("dout", dout)
    return dout .* l.y, dout .* l.x
end

"""
    AddLayer()

The book's addition node (5.4.2): `forward(l, x, y)` returns x + y; `backward(l, dout)`
passes the upstream gradient to both inputs as the book computes it, (dout·1, dout·1).
"""
struct AddLayer end
"""
    forward(l::AddLayer, x, y)

Addition node forward pass.

# Arguments
- `l`: the node.
- `x`, `y`: real numbers (not Bools) or arrays of shapes that broadcast together.

# Returns
`x .+ y`, of the broadcast shape.
"""
forward(l::AddLayer, x, y) = _check_operand("x", x) .+ _check_operand("y", y)
"""
    backward(l::AddLayer, dout)

Addition node backward pass: the upstream gradient goes to both inputs.

# Arguments
- `l`: the node.
- `dout`: upstream gradient, the forward output's shape (or a number).

# Returns
`(dx, dy) = (dout .* 1, dout .* 1)`.
"""
function backward(l::AddLayer, dout)
    _check_operand("dout", dout)
    return dout .* 1, dout .* 1
end

"""
    Relu()

max(0, x) as numpy's book code computes it (x ≤ 0 gives +0.0, NaN stays); the
gradient passes where x > 0. Matrices, and 4-D tensors (a convolution's output): a
`PermutedDimsArray` is processed in its parent's memory order and handed on in the
same layout.
"""
mutable struct Relu <: Layer
    mask::Matrix{Bool}
    out::Matrix{Float64}
    dx::Matrix{Float64}
    c_ordered::Bool                  # the forward input was C-ordered
    mask4::Array{Bool,4}     # 4-D passes: in the parent's layout
    out4::Array{Float64,4}
    dx4::Array{Float64,4}
    perm4::NTuple{4,Int}     # the 4-D input's permutation of its parent
end
Relu() = Relu(zeros(Bool, 0, 0), zeros(0, 0), zeros(0, 0), false, zeros(Bool, 0, 0, 0, 0), zeros(0, 0, 0, 0),
              zeros(0, 0, 0, 0), (1, 2, 3, 4))
"""
    forward!(l::Relu, x)
    forward(l::Relu, x)

Relu forward pass: max(0, x); the mask of x ≤ 0 is kept for backward.

# Arguments
- `l`: the layer.
- `x`: inputs, an (N, D) matrix (samples in rows; a C-ordered `transpose` of a
  buffer stays so) or a 4-D (N, C, H, W) tensor (an `NCHW`/`NHWC` view is computed in
  its parent's memory order).

# Returns
max(0, x), of `x`'s size and layout: `forward!` the layer's own array (overwritten by
the next pass), `forward` a new `Matrix` or `Array{Float64,4}`.
"""
function forward!(l::Relu, x::AbstractMatrix{Float64})
    xm, l.c_ordered = _storage(x)
    l.mask = _sized(l.mask, size(xm))
    l.out = _sized(l.out, size(xm))
    l.mask .= xm .<= 0
    l.out .= ifelse.(l.mask, 0.0, xm)
    return _handed_on(l.out, l.c_ordered)
end
"""
    backward!(l::Relu, dout)
    backward(l::Relu, dout)

Relu backward pass: the gradient passes where the last input was > 0.

# Arguments
- `l`: the layer, after a forward pass.
- `dout`: upstream gradient, the size of the last forward input ((N, D), or
  (N, C, H, W) for a 4-D one, in any layout).

# Returns
dx, `dout` zeroed where the input was ≤ 0, in the forward input's layout:
`backward!` the layer's own array, `backward` a new one.
"""
function backward!(l::Relu, dout::AbstractMatrix{Float64})
    check_backward(l, l.c_ordered ? transpose(l.mask) : l.mask, dout)
    dm = _in_layout(dout, l.c_ordered)
    l.dx = _sized(l.dx, size(dm))
    l.dx .= ifelse.(l.mask, 0.0, dm)
    return _handed_on(l.dx, l.c_ordered)
end
function _relu4!(l::Relu, x::Array{Float64,4}, perm::NTuple{4,Int})
    l.perm4 = perm
    l.mask4 = _sized(l.mask4, size(x))
    l.out4 = _sized(l.out4, size(x))
    mask, out = l.mask4, l.out4
    @inbounds @simd for i in eachindex(x)
        m = x[i] <= 0
        mask[i] = m
        out[i] = ifelse(m, 0.0, x[i])
    end
    return out
end
forward!(l::Relu, x::PermutedDimsArray{Float64,4,P,Q,Array{Float64,4}}) where {P,Q} =
    PermutedDimsArray{Float64,4,P,Q,Array{Float64,4}}(_relu4!(l, parent(x), P))
forward!(l::Relu, x::AbstractArray{<:Real,4}) = _relu4!(l, Array{Float64,4}(x), (1, 2, 3, 4))
function _relu4_back!(l::Relu, dout::Array{Float64,4})
    size(dout) == size(l.mask4) ||
        throw(DimensionMismatch("dout has shape $(size(dout)), the forward input had $(size(l.mask4))"))
    l.dx4 = _sized(l.dx4, size(dout))
    dx, mask = l.dx4, l.mask4
    @inbounds @simd for i in eachindex(dout)
        dx[i] = ifelse(mask[i], 0.0, dout[i])
    end
    return dx
end
function backward!(l::Relu, dout::PermutedDimsArray{Float64,4,P,Q,Array{Float64,4}}) where {P,Q}
    P == l.perm4 && return PermutedDimsArray{Float64,4,P,Q,Array{Float64,4}}(_relu4_back!(l, parent(dout)))
    return _backward_relayout!(l, dout)
end
function backward!(l::Relu, dout::AbstractArray{<:Real,4})
    l.perm4 == (1, 2, 3, 4) && return _relu4_back!(l, dout isa Array{Float64,4} ? dout : Array{Float64,4}(dout))
    return _backward_relayout!(l, dout)
end
"""dout in another layout than the forward input's: dx in the forward input's layout,
each value read from dout's memory where it lies (a block of samples at a time lies in
cache: a copy into the forward layout first would pass over the whole array twice)."""
function _backward_relayout!(l::Relu, dout::PermutedDimsArray{Float64,4,P,Q,Array{Float64,4}}) where {P,Q}
    return _relu4_back_from!(l, dout, parent(dout), P)
end
_backward_relayout!(l::Relu, dout::AbstractArray{<:Real,4}) = _relu4_back_from!(l, dout, Array{Float64,4}(dout), (1, 2, 3, 4))
function _relu4_back_from!(l::Relu, dout::AbstractArray, src::Array{Float64,4}, P::NTuple{4,Int})
    mask, perm = l.mask4, l.perm4
    forward_shape = ntuple(k -> size(mask, perm[k]), 4)
    size(dout) == forward_shape ||
        throw(DimensionMismatch("dout has shape $(size(dout)), the forward input had $forward_shape"))
    # Logical index k is mask's perm[k] and src's P[k]: src's index u is mask's perm[P⁻¹[u]].
    inv = invperm(P)
    from = ntuple(u -> perm[inv[u]], 4)
    l.dx4 = _sized(l.dx4, size(mask))
    dx = l.dx4
    @inbounds for m in CartesianIndices(mask)
        j = CartesianIndex(m[from[1]], m[from[2]], m[from[3]], m[from[4]])
        dx[m] = ifelse(mask[m], 0.0, src[j])
    end
    return PermutedDimsArray(dx, perm)
end

"""
    Sigmoid()

1 / (1 + exp(−x)); the gradient is dout·(1 − y)·y.
"""
mutable struct Sigmoid <: Layer
    out::Matrix{Float64}
    dx::Matrix{Float64}
    c_ordered::Bool
end
Sigmoid() = Sigmoid(zeros(0, 0), zeros(0, 0), false)
"""
    forward!(l::Sigmoid, x)
    forward(l::Sigmoid, x)

Sigmoid forward pass; the output y is kept for backward.

# Arguments
- `l`: the layer.
- `x`: inputs, an (N, D) matrix (samples in rows; a C-ordered one stays so).

# Returns
y = 1 / (1 + exp(−x)), (N, D): `forward!` the layer's own array (overwritten by the
next pass), `forward` a new `Matrix`.
"""
function forward!(l::Sigmoid, x::AbstractMatrix{Float64})
    xm, l.c_ordered = _storage(x)
    l.out = _sized(l.out, size(xm))
    l.out .= sigmoid.(xm)
    return _handed_on(l.out, l.c_ordered)
end
"""
    backward!(l::Sigmoid, dout)
    backward(l::Sigmoid, dout)

Sigmoid backward pass.

# Arguments
- `l`: the layer, after a forward pass.
- `dout`: upstream gradient, (N, D) as the last output.

# Returns
dx = dout·(1 − y)·y, (N, D): `backward!` the layer's own array, `backward` a new one.
"""
function backward!(l::Sigmoid, dout::AbstractMatrix{Float64})
    check_backward(l, l.c_ordered ? transpose(l.out) : l.out, dout)
    dm = _in_layout(dout, l.c_ordered)
    l.dx = _sized(l.dx, size(dm))
    l.dx .= dm .* (1.0 .- l.out) .* l.out
    return _handed_on(l.dx, l.c_ordered)
end

"""
    Tanh()

tanh(x); the gradient is dout·(1 − y²).
"""
mutable struct Tanh <: Layer
    out::Matrix{Float64}
    dx::Matrix{Float64}
    c_ordered::Bool
end
Tanh() = Tanh(zeros(0, 0), zeros(0, 0), false)
"""
    forward!(l::Tanh, x)
    forward(l::Tanh, x)

Tanh forward pass (numpy's tanh); the output y is kept for backward.

# Arguments
- `l`: the layer.
- `x`: inputs, an (N, D) matrix (samples in rows; a C-ordered one stays so).

# Returns
y = tanh(x), (N, D): `forward!` the layer's own array (overwritten by the next pass),
`forward` a new `Matrix`.
"""
function forward!(l::Tanh, x::AbstractMatrix{Float64})
    xm, l.c_ordered = _storage(x)
    l.out = _sized(l.out, size(xm))
    l.out .= np_tanh.(xm)
    return _handed_on(l.out, l.c_ordered)
end
"""
    backward!(l::Tanh, dout)
    backward(l::Tanh, dout)

Tanh backward pass.

# Arguments
- `l`: the layer, after a forward pass.
- `dout`: upstream gradient, (N, D) as the last output.

# Returns
dx = dout·(1 − y²), (N, D): `backward!` the layer's own array, `backward` a new one.
"""
function backward!(l::Tanh, dout::AbstractMatrix{Float64})
    check_backward(l, l.c_ordered ? transpose(l.out) : l.out, dout)
    dm = _in_layout(dout, l.c_ordered)
    l.dx = _sized(l.dx, size(dm))
    l.dx .= dm .* (1.0 .- l.out .* l.out)
    return _handed_on(l.dx, l.c_ordered)
end

const ACTIVATIONS = Dict{String,Any}("sigmoid" => Sigmoid, "relu" => Relu, "tanh" => Tanh)
const ACTIVATION_NAMES = ("sigmoid", "relu", "tanh")

"""
    Affine(W, b)

x·W .+ b for a batch of rows, over the given weights (kept, not copied).

# Arguments
- `W`: weights, (D, M), D = features per sample; C-ordered (a `CMatrix`, as PyRef's
  nets make them) or any matrix.
- `b`: biases, M entries.

# Notes
In `:numpy` BLAS mode (see `blas_mode`) the three products are numpy's own calls on
numpy's row-major layout, bit for bit, and the results are handed on C-ordered (see
`CMatrix`); in `:native` mode Julia's BLAS computes them on Julia's layout (the last
bits may differ).
"""
mutable struct Affine <: Layer
    W::AbstractMatrix{Float64}   # C-ordered in PyRef's nets (as numpy's), or any matrix
    b::Vector{Float64}
    x::AbstractMatrix{Float64}   # the input, kept for backward (a matrix or a transposed one)
    dW::AbstractMatrix{Float64}  # laid out as W
    db::Vector{Float64}
    out::Matrix{Float64}
    dx::Matrix{Float64}
    # numpy BLAS mode: x and dout C-ordered, W's C-ordered copy when W is not C-ordered.
    xc::NpMatrix
    Wc::Matrix{Float64}
    doutc::Matrix{Float64}
    dWc::Matrix{Float64}
end
function Affine(W::AbstractMatrix{Float64}, b::Vector{Float64})
    length(b) == size(W, 2) || throw(DimensionMismatch("b has $(length(b)) entries for W with $(size(W, 2)) columns"))
    dW = W isa CMatrix ? transpose(zeros(size(parent(W)))) : zeros(size(W))
    return Affine(W, b, zeros(0, 0), dW, zeros(length(b)), zeros(0, 0), zeros(0, 0),
                  NpMatrix(zeros(0, 0), 0, 0, false), zeros(0, 0), zeros(0, 0), zeros(0, 0))
end
"""numpy's C-ordered `x`: a C-ordered matrix is one already (its parent), else a copy into `buf`."""
_c_order_of(buf::Matrix{Float64}, x::CMatrix) = NpMatrix(parent(x), size(x, 1), size(x, 2), false)
_c_order_of(buf::Matrix{Float64}, x::AbstractMatrix{Float64}) = c_order!(_sized(buf, (size(x, 2), size(x, 1))), x)
"""W as numpy holds it (the layer's copy if W is not C-ordered)."""
function _weights_c!(l::Affine)
    l.W isa CMatrix && return _c_order_of(l.Wc, l.W)
    l.Wc = _sized(l.Wc, (size(l.W, 2), size(l.W, 1)))
    return c_order!(l.Wc, l.W)
end
"""
    forward!(l::Affine, x)
    forward(l::Affine, x)

Affine forward pass; `x` itself is kept for backward (no copy).

# Arguments
- `l`: the layer.
- `x`: inputs, an (N, D) matrix, samples in rows (any real element type; a
  C-ordered `transpose` is read as it is).

# Returns
x·W .+ b, (N, M): `forward!` the layer's own array (in `:numpy` BLAS mode the
`transpose` of an (M, N) buffer, numpy's C-ordered result; overwritten by the next
pass), `forward` a new `Matrix`.
"""
function forward!(l::Affine, x::AbstractMatrix)
    check_batch("x", x)
    size(x, 2) == size(l.W, 1) ||
        throw(DimensionMismatch("x has $(size(x, 2)) features per sample, W expects $(size(l.W, 1))"))
    l.x = _tofloat(x)
    if blas_mode() === :numpy
        l.xc = _c_order_of(l.xc.data, l.x)
        l.out = _sized(l.out, (size(l.W, 2), size(x, 1)))   # numpy's out, C-ordered
        np_dot_c!(l.out, l.xc, _weights_c!(l))
        l.out .+= l.b
        return transpose(l.out)
    end
    l.out = _sized(l.out, (size(x, 1), size(l.W, 2)))
    mul!(l.out, l.x, l.W)
    l.out .+= l.b'
    return l.out
end
"""
    backward!(l::Affine, dout; need_dx=true)
    backward(l::Affine, dout)

Affine backward pass: dW, db (kept on the layer) and, unless `need_dx` is false, dx.

# Arguments
- `l`: the layer, after a forward pass.
- `dout`: upstream gradient, (N, M).
- `need_dx`: false to skip dx: a net's first layer does, as nothing uses the gradient
  of the input images.

# Returns
dx = dout·Wᵀ, (N, D) (in `:numpy` BLAS mode the `transpose` of a (D, N) buffer), the
layer's own array; unchanged from the last pass when `need_dx` is false. `backward`
returns a new `Matrix`.
"""
function backward!(l::Affine, dout::AbstractMatrix{Float64}; need_dx::Bool=true)
    size(l.dW) == size(l.W) && (l.dW isa CMatrix) == (l.W isa CMatrix) ||
        (l.dW = l.W isa CMatrix ? transpose(zeros(size(parent(l.W)))) : zeros(size(l.W)))
    l.db = _sized(l.db, (size(dout, 2),))
    sum_rows!(l.db, dout)
    if blas_mode() === :numpy
        dc = _c_order_of(l.doutc, dout)
        dout isa CMatrix || (l.doutc = dc.data)
        if l.dW isa CMatrix   # numpy's C-ordered dW is the layer's own
            np_dot_c!(parent(l.dW), np_transpose(l.xc), dc)                 # np.dot(x.T, dout)
        else
            l.dWc = _sized(l.dWc, (size(l.W, 2), size(l.W, 1)))
            transpose!(l.dW, np_dot_c!(l.dWc, np_transpose(l.xc), dc).data)
        end
        need_dx || return l.dx
        l.dx = _sized(l.dx, (size(l.x, 2), size(l.x, 1)))
        np_dot_c!(l.dx, dc, np_transpose(_weights_c!(l)))                                # np.dot(dout, W.T)
        return transpose(l.dx)
    end
    # Julia's BLAS: dW = xᵀ·dout, or its transpose doutᵀ·x into a C-ordered dW's buffer.
    l.dW isa CMatrix ? mul!(parent(l.dW), transpose(dout), l.x) : mul!(l.dW, transpose(l.x), dout)
    need_dx || return l.dx
    l.dx = _sized(l.dx, size(l.x))
    mul!(l.dx, dout, transpose(l.W))
    return l.dx
end

"""
    SoftmaxWithLoss()

Softmax followed by the mean cross-entropy.
"""
mutable struct SoftmaxWithLoss <: Layer
    loss::Float64
    y::Matrix{Float64}
    t::Any
end
SoftmaxWithLoss() = SoftmaxWithLoss(0.0, zeros(0, 0), nothing)
"""
    forward(l::SoftmaxWithLoss, x, t)

Softmax of the scores and their mean cross-entropy against `t`; y and t are kept.

# Arguments
- `l`: the layer.
- `x`: scores, (N, C), samples in rows.
- `t`: labels, N 0-based class indices in [0, C), or one-hot rows (N, C).

# Returns
The mean cross-entropy, a `Float64`.
"""
function forward(l::SoftmaxWithLoss, x::AbstractMatrix{Float64}, t::AbstractArray)
    check_probabilities_and_labels(x, t, "x")   # x has the size of the probabilities
    l.t = t
    l.y = softmax(x)
    l.loss = cross_entropy_error(l.y, t)
    return l.loss
end
"""
    backward(l::SoftmaxWithLoss, dout=1)

Gradient of the loss with respect to the scores.

# Arguments
- `l`: the layer, after a forward pass.
- `dout`: upstream gradient of the loss, ignored as in the book (1).

# Returns
dx = (y − t) / N, a new (N, C) matrix.
"""
function backward(l::SoftmaxWithLoss, dout=1)
    l.t === nothing && error("SoftmaxWithLoss.backward needs a forward pass first")
    n = size(l.y, 1)
    length(l.t) == length(l.y) && return (l.y .- l.t) ./ n   # one-hot labels, as the book tests
    dx = copy(l.y)
    for i in 1:n
        dx[i, l.t[i] + 1] -= 1
    end
    return dx ./ n
end

"""
    Dropout(dropout_ratio=0.5; rng)

Dropout in the book's form: training keeps units where a uniform draw exceeds the
ratio (one `rand` of the input's shape per pass); test time scales by 1 − ratio.

# Arguments
- `dropout_ratio`: probability of dropping a unit, in [0, 1).
- `rng`: the random stream (a `NumpyRandom.RandomState`), numpy's global one by default.
"""
mutable struct Dropout <: Layer
    dropout_ratio::Float64
    rng::NumpyRandom.RandomState
    mask::Matrix{Float64}
    out::Matrix{Float64}
    dx::Matrix{Float64}
    c_ordered::Bool   # the forward input was C-ordered
    # Every constructor checks the ratio, the positional one too.
    Dropout(dropout_ratio, rng::NumpyRandom.RandomState, mask=zeros(0, 0), out=zeros(0, 0), dx=zeros(0, 0), c_ordered=false) =
        new(check_unit_interval("dropout_ratio", dropout_ratio), rng, mask, out, dx, c_ordered)
end
Dropout(dropout_ratio=0.5; rng::NumpyRandom.RandomState=NumpyRandom.global_state()) = Dropout(dropout_ratio, rng)
"""
    forward!(l::Dropout, x, train_flg=true)
    forward(l::Dropout, x, train_flg=true)

Dropout forward pass.

# Arguments
- `l`: the layer.
- `x`: inputs, an (N, D) matrix, samples in rows (for a C-ordered one the draws fill
  its memory in order, numpy's C order, and the output stays C-ordered).
- `train_flg`: true to drop (one `rand` per element; the mask is kept), false to scale.

# Returns
x·mask in training, x·(1 − dropout_ratio) otherwise, (N, D): `forward!` the layer's
own array (overwritten by the next pass), `forward` a new `Matrix`.
"""
function forward!(l::Dropout, x::AbstractMatrix{Float64}, train_flg::Bool=true)
    xm, l.c_ordered = _storage(x)
    l.out = _sized(l.out, size(xm))
    if train_flg
        # One draw per element in numpy's C order (a C-ordered buffer is filled in
        # memory order); numpy multiplies by the mask cast to 1.0/0.0 (NaN stays NaN).
        draws = l.c_ordered ? reshape(NumpyRandom.rand(l.rng, length(xm)), size(xm)) : NumpyRandom.rand(l.rng, size(xm)...)
        l.mask = Float64.(draws .> l.dropout_ratio)
        l.out .= xm .* l.mask
    else
        l.out .= xm .* (1.0 - l.dropout_ratio)
    end
    return _handed_on(l.out, l.c_ordered)
end
"""
    backward!(l::Dropout, dout)
    backward(l::Dropout, dout)

Dropout backward pass.

# Arguments
- `l`: the layer, after a training forward pass.
- `dout`: upstream gradient, (N, D) as the last training input.

# Returns
dx = dout·mask, (N, D): `backward!` the layer's own array, `backward` a new one.
"""
function backward!(l::Dropout, dout::AbstractMatrix{Float64})
    check_backward(l, l.c_ordered ? transpose(l.mask) : l.mask, dout)
    dm = _in_layout(dout, l.c_ordered)
    l.dx = _sized(l.dx, size(dm))
    l.dx .= dm .* l.mask
    return _handed_on(l.dx, l.c_ordered)
end

"""
    BatchNormalization(gamma, beta; momentum=0.9, running_mean=nothing, running_var=nothing)

Batch Normalization over the given scale, shift and statistics; the running averages
are created (zeros) at the first forward pass unless given.

# Arguments
- `gamma`: scale, D entries, D = features per sample.
- `beta`: shift, D entries.
- `momentum`: weight of the old value in the running averages, in [0, 1).
- `running_mean`, `running_var`: starting statistics, D entries each, or `nothing`.
"""
mutable struct BatchNormalization <: Layer
    gamma::Vector{Float64}
    beta::Vector{Float64}
    momentum::Float64
    running_mean::Union{Nothing,Vector{Float64}}
    running_var::Union{Nothing,Vector{Float64}}
    batch_size::Int
    xc::Matrix{Float64}
    xn::Matrix{Float64}
    std::Vector{Float64}
    dgamma::Vector{Float64}
    dbeta::Vector{Float64}
    # Every constructor checks gamma, beta, momentum and the running statistics.
    function BatchNormalization(gamma, beta, momentum, running_mean, running_var, batch_size, xc, xn, std,
                                dgamma, dbeta)
        size(gamma) == size(beta) || throw(DimensionMismatch("gamma $(size(gamma)) and beta $(size(beta)) must have one size"))
        for (name, r) in (("running_mean", running_mean), ("running_var", running_var))
            r === nothing || length(r) == length(gamma) ||
                throw(DimensionMismatch("$name has $(length(r)) entries for $(length(gamma)) features"))
        end
        return new(gamma, beta, check_unit_interval("momentum", momentum), running_mean, running_var, batch_size,
                   xc, xn, std, dgamma, dbeta)
    end
end
BatchNormalization(gamma::Vector{Float64}, beta::Vector{Float64}; momentum=BATCHNORM_MOMENTUM,
                   running_mean=nothing, running_var=nothing) =
    BatchNormalization(gamma, beta, momentum, running_mean, running_var, 0, zeros(0, 0), zeros(0, 0),
                       Float64[], Float64[], Float64[])
"""
    forward!(l::BatchNormalization, x, train_flg=true)
    forward(l::BatchNormalization, x, train_flg=true)

Batch Normalization forward pass.

# Arguments
- `l`: the layer.
- `x`: inputs, an (N, D) matrix, samples in rows (a C-ordered one is computed on in
  Julia's layout: the same arithmetic).
- `train_flg`: true to use the batch's statistics (and update the running ones), false
  to use the running ones.

# Returns
gamma·(normalised x) + beta, a new (N, D) matrix.
"""
function forward!(l::BatchNormalization, x::AbstractMatrix{Float64}, train_flg::Bool=true)
    check_batch("x", x)
    x isa CMatrix && (x = Matrix{Float64}(x))   # computed in Julia's layout (same arithmetic)
    n, d = size(x)
    d == length(l.gamma) || throw(DimensionMismatch("x has $d features, gamma has $(length(l.gamma))"))
    if l.running_mean === nothing
        l.running_mean = zeros(d)
        l.running_var = zeros(d)
    end
    if train_flg
        mu = sum_rows(x) ./ n
        xc = x .- mu'
        var = sum_rows(xc .* xc) ./ n
        std = sqrt.(var .+ BATCHNORM_EPS)
        xn = xc ./ std'
        l.batch_size = n
        l.xc, l.xn, l.std = xc, xn, std
        l.running_mean = l.momentum .* l.running_mean .+ (1 - l.momentum) .* mu
        l.running_var = l.momentum .* l.running_var .+ (1 - l.momentum) .* var
    else
        xc = x .- l.running_mean'
        xn = xc ./ sqrt.(l.running_var .+ BATCHNORM_EPS)'
    end
    return l.gamma' .* xn .+ l.beta'
end
"""
    backward!(l::BatchNormalization, dout)
    backward(l::BatchNormalization, dout)

Batch Normalization backward pass: dgamma and dbeta are kept on the layer.

# Arguments
- `l`: the layer, after a training forward pass.
- `dout`: upstream gradient, (N, D) as the last training input.

# Returns
dx, a new (N, D) matrix.

# Notes
The book's expressions, evaluated in its order.
"""
function backward!(l::BatchNormalization, dout::AbstractMatrix{Float64})
    dout isa CMatrix && (dout = Matrix{Float64}(dout))
    check_backward(l, l.xn, dout)
    l.dbeta = sum_rows(dout)
    l.dgamma = sum_rows(l.xn .* dout)
    dxn = l.gamma' .* dout
    dxc = dxn ./ l.std'
    dstd = .-sum_rows((dxn .* l.xc) ./ (l.std .* l.std)')
    dvar = 0.5 .* dstd ./ l.std
    dxc .+= (2.0 / l.batch_size) .* l.xc .* dvar'
    dmu = sum_rows(dxc)
    return dxc .- (dmu ./ l.batch_size)'
end

# The allocating forms: what a layer's pass returns, as a new array in Julia's layout.
forward(l::Layer, x::AbstractMatrix) = Matrix{Float64}(forward!(l, x))
forward(l::Relu, x::AbstractArray{<:Real,4}) = collect(forward!(l, x))
backward(l::Relu, dout::AbstractArray{<:Real,4}) = collect(backward!(l, dout))
forward(l::Union{Dropout,BatchNormalization}, x::AbstractMatrix, train_flg::Bool=true) =
    Matrix{Float64}(forward!(l, x, train_flg))
backward(l::Layer, dout::AbstractMatrix) = Matrix{Float64}(backward!(l, dout))
# SoftmaxWithLoss and BatchNormalization compute into new arrays anyway.
forward!(l::SoftmaxWithLoss, x::AbstractMatrix{Float64}, t::AbstractArray) = forward(l, x, t)
backward!(l::SoftmaxWithLoss, dout=1) = backward(l, dout)

export MulLayer, AddLayer, Relu, Sigmoid, Tanh, Affine, SoftmaxWithLoss, Dropout, BatchNormalization, forward, backward,
       forward!, backward!

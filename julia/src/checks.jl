# Argument checks shared by every public function (twin of pyref/checks.py): each
# throws ArgumentError (or DimensionMismatch) with a message naming the argument.

function check_real(name::AbstractString, value)::Float64
    (value isa Real && !(value isa Bool)) || throw(ArgumentError("$name must be a real number, not $(typeof(value))"))
    out = Float64(value)
    isfinite(out) || throw(ArgumentError("$name must be finite, got $value"))
    return out
end

function check_positive(name::AbstractString, value)::Float64
    out = check_real(name, value)
    out > 0 || throw(ArgumentError("$name must be > 0, got $value"))
    return out
end

function check_nonnegative(name::AbstractString, value)::Float64
    out = check_real(name, value)
    out >= 0 || throw(ArgumentError("$name must be >= 0, got $value"))
    return out
end

function check_unit_interval(name::AbstractString, value; closed_low::Bool=true)::Float64
    out = check_real(name, value)
    ok = (closed_low ? out >= 0 : out > 0) && out < 1
    ok || throw(ArgumentError("$name must be in $(closed_low ? "[0, 1)" : "(0, 1)"), got $value"))
    return out
end

function check_positive_int(name::AbstractString, value)::Int
    (value isa Integer && !(value isa Bool)) || throw(ArgumentError("$name must be an integer, not $(typeof(value))"))
    value >= 1 || throw(ArgumentError("$name must be >= 1, got $value"))
    return Int(value)
end

function check_nonnegative_int(name::AbstractString, value)::Int
    (value isa Integer && !(value isa Bool)) || throw(ArgumentError("$name must be an integer, not $(typeof(value))"))
    value >= 0 || throw(ArgumentError("$name must be >= 0, got $value"))
    return Int(value)
end

"""`x` with `ndim` dimensions (one of them, if a tuple) and, if `finite`, no NaN or
infinity. Julia's types already make it a numeric array (pyref's check_array tests that too)."""
function check_array(name::AbstractString, x::AbstractArray; ndim=nothing, finite::Bool=true)
    if ndim !== nothing && !(ndims(x) in ndim)
        throw(ArgumentError("$name must have $(join(ndim, " or ")) dimensions, got size $(size(x))"))
    end
    finite && eltype(x) <: AbstractFloat && !all_finite(x) && throw(ArgumentError("$name contains NaN or infinite values"))
    return x
end

"""Whether every entry is finite: the largest exponent field (masked bits) is below
all ones (Inf, NaN). An integer max vectorises, where `all(isfinite, x)` tests element
by element (10x slower on a minibatch)."""
function all_finite(x::AbstractArray{T}) where {T<:Union{Float32,Float64}}
    U, E = T === Float64 ? (UInt64, 0x7ff0000000000000) : (UInt32, 0x7f800000)
    m = zero(U)
    @inbounds @simd for i in eachindex(x)
        m = max(m, reinterpret(U, x[i]) & E)
    end
    return m != E
end
all_finite(x::Union{Transpose,Adjoint}) = all_finite(parent(x))
all_finite(x::AbstractArray{<:AbstractFloat}) = all(isfinite, x)

"""`true` or `false`: not 1, not the string "false" (numpy's bools arrive as Bool)."""
function check_flag(name::AbstractString, value)::Bool
    value isa Bool || throw(ArgumentError("$name must be true or false, not $(typeof(value)) $(repr(value))"))
    return value
end

"""A batch: samples along the first dimension, at least one."""
function check_batch(name::AbstractString, x::AbstractArray)
    size(x, 1) > 0 || throw(ArgumentError("$name has no samples (an empty batch, size $(size(x)))"))
    return x
end

"""One-hot rows: every entry 0 or 1, one 1 per row."""
function check_one_hot(name::AbstractString, t::AbstractMatrix)
    for i in axes(t, 1)
        s = 0.0
        for j in axes(t, 2)
            v = t[i, j]
            (v == 0 || v == 1) || throw(ArgumentError("$name must be one-hot rows (entries 0 or 1, one 1 per row)"))
            s += v
        end
        s == 1 || throw(ArgumentError("$name must be one-hot rows (entries 0 or 1, one 1 per row)"))
    end
    return t
end

"""Labels: 0-based class indices in [0, n_classes) or one-hot rows, one per sample."""
function check_labels(name::AbstractString, t::AbstractArray, batch_size::Integer, n_classes::Integer)
    ndims(t) in (1, 2) || throw(ArgumentError("$name must have 1 or 2 dimensions, got size $(size(t))"))
    size(t, 1) == batch_size || throw(DimensionMismatch("$name has $(size(t, 1)) labels for $batch_size samples"))
    if ndims(t) == 2
        size(t, 2) == n_classes || throw(DimensionMismatch("$name is one-hot with $(size(t, 2)) columns, expected $n_classes"))
        check_one_hot(name, t)
    elseif !isempty(t)
        eltype(t) <: Integer || throw(ArgumentError("$name must hold integer class labels, not $(eltype(t))"))
        (minimum(t) >= 0 && maximum(t) < n_classes) ||
            throw(ArgumentError("$name must be class indices in [0, $n_classes), got $(minimum(t))..$(maximum(t))"))
    end
    return t
end

function check_choice(name::AbstractString, value, choices)::String
    value isa AbstractString || throw(ArgumentError("$name must be a string, not $(typeof(value))"))
    low = lowercase(value)
    low in choices || throw(ArgumentError("unknown $name \"$value\"; choose from $(join(choices, ", "))"))
    return low
end

# numpy's reductions in numpy's order of additions (pairwise sums, row-by-row column sums),
# so that sums, means and argmaxes round and tie-break as numpy's do.

"""numpy's pairwise summation of a contiguous run `v[lo:hi]` (blocks of 8 below 128 values)."""
function pairwise_sum(v::AbstractVector{Float64}, lo::Int, n::Int)::Float64
    if n < 8
        res = 0.0
        @inbounds for i in lo:(lo + n - 1)
            res += v[i]
        end
        return res
    elseif n <= 128
        @inbounds begin
            r0, r1, r2, r3 = v[lo], v[lo + 1], v[lo + 2], v[lo + 3]
            r4, r5, r6, r7 = v[lo + 4], v[lo + 5], v[lo + 6], v[lo + 7]
            i = 8
            while i < n - n % 8
                k = lo + i
                r0 += v[k]; r1 += v[k + 1]; r2 += v[k + 2]; r3 += v[k + 3]
                r4 += v[k + 4]; r5 += v[k + 5]; r6 += v[k + 6]; r7 += v[k + 7]
                i += 8
            end
            res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            while i < n
                res += v[lo + i]
                i += 1
            end
        end
        return res
    end
    n2 = n ÷ 2
    n2 -= n2 % 8
    return pairwise_sum(v, lo, n2) + pairwise_sum(v, lo + n2, n - n2)
end

"""`np.sum(a)` of a C-contiguous array given in numpy's (row-major) element order."""
np_sum(v::AbstractVector{Float64}) = 0.0 + pairwise_sum(v, firstindex(v), length(v))
"""`np.sum(A)` over a whole matrix: numpy sums its row-major flattening."""
np_sum(A::AbstractMatrix{Float64}) = np_sum(vec(permutedims(A)))

"""`A.mean()` of a C-ordered array: numpy's sum of its elements (row-major) over their count."""
np_mean(A::AbstractVecOrMat{Float64}) = np_sum(A) / length(A)
"""`A.std()` (ddof 0): the square root of the mean squared deviation, summed as numpy does."""
function np_std(A::AbstractMatrix{Float64})
    d = A .- np_mean(A)
    return sqrt(np_sum(d .* d) / length(A))
end

"""`x.sum(axis=0)` of a C-order (N, D) array: rows accumulated one after another."""
sum_rows(x::AbstractMatrix{Float64})::Vector{Float64} = sum_rows!(zeros(size(x, 2)), x)

"""`sum_rows` into `out` (length: the number of columns)."""
function sum_rows!(out::AbstractVector{Float64}, x::AbstractMatrix{Float64})
    n, d = size(x)
    length(out) == d || throw(DimensionMismatch("out has $(length(out)) entries for $d columns"))
    @inbounds for j in 1:d
        s = 0.0
        for i in 1:n
            s += x[i, j]
        end
        out[j] = s
    end
    return out
end

# A C-ordered matrix (a transposed buffer, one sample per column): the same sums,
# each row added in turn, read in memory order.
function sum_rows!(out::AbstractVector{Float64}, x::Transpose{Float64,Matrix{Float64}})
    P = parent(x)
    d, n = size(P)
    length(out) == d || throw(DimensionMismatch("out has $(length(out)) entries for $d columns"))
    fill!(out, 0.0)
    @inbounds for i in 1:n, j in 1:d
        out[j] += P[j, i]
    end
    return out
end

"""`x.sum(axis=-1)`: numpy's pairwise sum along each row."""
function sum_last(x::AbstractMatrix{Float64})::Vector{Float64}
    n, d = size(x)
    out = Vector{Float64}(undef, n)
    row = Vector{Float64}(undef, d)
    @inbounds for i in 1:n
        for j in 1:d
            row[j] = x[i, j]
        end
        out[i] = 0.0 + pairwise_sum(row, 1, d)
    end
    return out
end

"""numpy's `a.mean()` of a C-ordered array: the pairwise sum of its elements in C order over their count."""
np_mean_c(A::AbstractArray{Float64}) = np_sum(vec(permutedims(A, ndims(A):-1:1))) / length(A)

"""Row-wise argmax, 0-based, the first maximum winning (numpy's argmax)."""
function argmax_rows(y::AbstractMatrix)::Vector{Int}
    out = Vector{Int}(undef, size(y, 1))
    @inbounds for i in axes(y, 1)
        best = 1
        for j in 2:size(y, 2)
            y[i, j] > y[i, best] && (best = j)
        end
        out[i] = best - 1
    end
    return out
end

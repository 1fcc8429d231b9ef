# numpy's linspace and histogram, with numpy's edge corrections.

"""numpy's linspace(start, stop, num): i·step + start, the last value set to stop."""
function np_linspace(start::Float64, stop::Float64, num::Int)
    step = (stop - start) / (num - 1)
    y = [i * step + start for i in 0:(num - 1)]
    y[end] = stop
    return y
end

"""numpy's np.histogram(x, bins, range=(lo, hi)) counts, with its edge corrections."""
function np_histogram(x::AbstractVector{Float64}, bins::Int, lo::Float64, hi::Float64)
    edges = np_linspace(lo, hi, bins + 1)
    counts = zeros(Int64, bins)
    denom = hi - lo
    for a in x
        (a >= lo && a <= hi) || continue
        idx = trunc(Int, ((a - lo) / denom) * bins)
        idx == bins && (idx -= 1)
        a < edges[idx + 1] && (idx -= 1)
        (a >= edges[idx + 2] && idx != bins - 1) && (idx += 1)
        counts[idx + 1] += 1
    end
    return counts, edges
end

# Shuffling and the validation split of 6.5.1 (twin of the helpers in pyref/datasets.py).
# MNIST itself comes from Python (the bridge passes arrays, or .npy files).

rows(x::AbstractVector, idx) = x[idx]
rows(x::AbstractMatrix, idx) = x[idx, :]

"""Shuffle samples (rows) and labels together with one `permutation` draw."""
function shuffle_dataset(x::AbstractArray, t::AbstractArray; rng::NumpyRandom.RandomState=NumpyRandom.global_state())
    size(x, 1) == size(t, 1) || throw(DimensionMismatch("x has $(size(x, 1)) samples but t has $(size(t, 1)) labels"))
    perm = NumpyRandom.permutation(rng, size(x, 1)) .+ 1
    return rows(x, perm), rows(t, perm)
end

"""
    split_validation(x, t; validation_rate=0.2, rng) -> ((x_train, t_train), (x_val, t_val))

Shuffle, then the first `trunc(N * rate)` rows are validation data, the rest training data.
"""
function split_validation(x::AbstractArray, t::AbstractArray; validation_rate::Real=0.2,
                          rng::NumpyRandom.RandomState=NumpyRandom.global_state())
    rate = check_unit_interval("validation_rate", validation_rate; closed_low=false)
    validation_num = trunc(Int, size(x, 1) * rate)
    xs, ts = shuffle_dataset(x, t; rng=rng)
    n = size(xs, 1)
    return (rows(xs, (validation_num + 1):n), rows(ts, (validation_num + 1):n)),
           (rows(xs, 1:validation_num), rows(ts, 1:validation_num))
end

export shuffle_dataset, split_validation

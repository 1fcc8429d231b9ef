# Random hyperparameter search of 6.5.3 (twin of pyref/search.py); a trial is trained by study/trial.jl.

const WEIGHT_DECAY_LOG10_RANGE = (-8.0, -4.0)
const LR_LOG10_RANGE = (-6.0, -2.0)
const SEARCH_HIDDEN = [100, 100, 100, 100, 100, 100]
const SEARCH_EPOCHS = 50
const SEARCH_BATCH_SIZE = 100
const SEARCH_TRAIN_SAMPLES = 500
const SEARCH_TRIALS = 100
const SEARCH_VALIDATION_RATE = 0.2
const BEST_N = 20
# How the book's search trains every trial besides its lr and weight decay: SGD, no
# Dropout, no Batch Normalization (the book's MultiLayerNet).
const BOOK_TRIAL_SETTINGS = (optimizer="sgd", dropout_ratio=0.0, use_batchnorm=false)
# Per-trial streams: trial i of a study with seed s draws from RandomState((s * 1_000_003 + i) mod 2^32).
const TRIAL_SEED_MULTIPLIER = 1_000_003

"""A trial's final validation accuracy, -Inf for one without (ranked last)."""
rank_key(tr::Trial) = something(final_val_acc(tr), -Inf)

"""(weight_decay, lr) in the book's order: weight decay first; 10^u is the C pow, as numpy's."""
function sample_hyperparameters(rng::NumpyRandom.RandomState=NumpyRandom.global_state())
    weight_decay = c_pow(10.0, NumpyRandom.uniform(rng, WEIGHT_DECAY_LOG10_RANGE...))
    lr = c_pow(10.0, NumpyRandom.uniform(rng, LR_LOG10_RANGE...))
    return weight_decay, lr
end

"""
    trial_seed(seed, index) -> Int

The seed of trial `index`'s own stream (per-trial mode of `pyref search`):
`(seed * 1_000_003 + index) mod 2^32`, as pyref.search.trial_seed.
"""
function trial_seed(seed::Integer, index::Integer)
    NumpyRandom.check_seed("seed", seed)
    index >= 0 || throw(ArgumentError("index must be >= 0, got $index"))
    return Int(mod(Int128(seed) * TRIAL_SEED_MULTIPLIER + Int128(index), Int128(NumpyRandom.SEED_MAX) + 1))
end

"""
    run_trial(number, x_train, t_train, x_val, t_val, epochs=50; hidden, batch_size=100, rng,
              stop_on_divergence=false) -> Trial

One trial of the book's search (twin of pyref.search.run_trial): draw weight decay,
then lr, then train the book's net with SGD(lr) and L2 decay on the same stream
(study/trial.jl). A trial whose loss becomes NaN or inf gets a `fail_reason`; with
`stop_on_divergence` it stops there, otherwise it trains to the end, so that the
stream advances exactly as the book's.
"""
function run_trial(number::Integer, x_train, t_train, x_val, t_val, epochs::Integer=SEARCH_EPOCHS;
                   hidden=SEARCH_HIDDEN, batch_size::Integer=SEARCH_BATCH_SIZE,
                   rng::NumpyRandom.RandomState=NumpyRandom.global_state(), stop_on_divergence::Bool=false)
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    weight_decay, lr = sample_hyperparameters(rng)
    tr = trial_trainer(x_train, t_train, x_val, t_val; epochs=epochs, hidden=hidden, batch_size=batch_size,
                       lr=lr, weight_decay=weight_decay, rng=rng, BOOK_TRIAL_SETTINGS...)
    run = TrialRun(tr, rng, stop_on_divergence)
    train_trial(() -> train_to_next_measurement!(run))
    out = finish_trial(run)
    return Trial(Int(number), lr, weight_decay, out["val_acc_list"], out["train_acc_list"],
                 divergence_reason(out["train_loss_list"], tr.iter_per_epoch))
end

"""The book's hyperparameter_optimization.py on (x, t): validation split, then trials on one stream."""
function random_search(x, t; trials::Integer=SEARCH_TRIALS, epochs::Integer=SEARCH_EPOCHS,
                       validation_rate::Real=SEARCH_VALIDATION_RATE, hidden=SEARCH_HIDDEN,
                       rng::NumpyRandom.RandomState=NumpyRandom.global_state(), on_trial=nothing)
    trials = check_positive_int("trials", trials)
    epochs = check_positive_int("epochs", epochs)
    (x_train, t_train), (x_val, t_val) = split_validation(x, t; validation_rate=validation_rate, rng=rng)
    results = Trial[]
    for number in 0:(trials - 1)
        push!(results, run_trial(number, x_train, t_train, x_val, t_val, epochs; hidden=hidden, rng=rng))
        on_trial === nothing || on_trial(results[end])
    end
    return results
end

"""The `n` best trials by final validation accuracy; ties keep trial order (stable sort)."""
function best_n(trials::Vector{Trial}, n::Integer=BEST_N)
    n = check_positive_int("n", n)
    order = sortperm(map(rank_key, trials); rev=true, alg=MergeSort)
    return trials[order[1:min(n, length(order))]]
end

export sample_hyperparameters, trial_seed, run_trial, random_search, best_n

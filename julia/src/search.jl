# Random hyperparameter search of 6.5.3 (twin of pyref/search.py).

const WEIGHT_DECAY_LOG10_RANGE = (-8.0, -4.0)
const LR_LOG10_RANGE = (-6.0, -2.0)
const SEARCH_HIDDEN = [100, 100, 100, 100, 100, 100]
const SEARCH_EPOCHS = 50
const SEARCH_BATCH_SIZE = 100
const SEARCH_TRAIN_SAMPLES = 500
const SEARCH_TRIALS = 100
const SEARCH_VALIDATION_RATE = 0.2
const BEST_N = 20
# Per-trial streams: trial i of a study with seed s draws from RandomState((s * 1_000_003 + i) mod 2^32).
const TRIAL_SEED_MULTIPLIER = 1_000_003

"""One trial: its hyperparameters, per-epoch accuracy curves and, if its training
loss became NaN or inf, why it failed."""
struct Trial
    number::Int
    lr::Float64
    weight_decay::Float64
    val_acc_list::Vector{Float64}
    train_acc_list::Vector{Float64}
    fail_reason::Union{Nothing,String}
end
Trial(number, lr, weight_decay, val_acc_list, train_acc_list) =
    Trial(number, lr, weight_decay, val_acc_list, train_acc_list, nothing)
"""The last validation accuracy; `nothing` when none was measured (pyref's None, JSON's null)."""
final_val_acc(tr::Trial) = isempty(tr.val_acc_list) ? nothing : tr.val_acc_list[end]
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

# Python's repr of a non-finite float, so that reasons read the same in both languages.
_py_repr(x::Float64) = isnan(x) ? "nan" : isinf(x) ? (x > 0 ? "inf" : "-inf") : repr(x)

"""Why a trial with these training losses failed (the first NaN or inf), or `nothing`."""
function divergence_reason(losses::AbstractVector{<:Real}, iter_per_epoch::Real)
    step = findfirst(l -> !isfinite(l), losses)
    step === nothing && return nothing
    epoch = trunc(Int, (step - 1) ÷ iter_per_epoch) + 1
    return "diverged: training loss became $(_py_repr(Float64(losses[step]))) at step $step (epoch $epoch)"
end

"""A trial's net (L2 decay `weight_decay`, weights drawn from `rng`) and its Trainer
(SGD(lr), minibatches from the same stream), not yet trained: what `train_trial` and
`run_trial` train (pyref's `_trial_trainer`)."""
function trial_trainer(x_train, t_train, x_val, t_val, lr::Real, weight_decay::Real, epochs::Integer,
                       hidden, batch_size::Integer, rng::NumpyRandom.RandomState)
    net = MultiLayerNet(size(x_train, 2), collect(hidden), NUM_CLASSES; weight_decay_lambda=weight_decay, rng=rng)
    return Trainer(net, x_train, t_train, x_val, t_val; epochs=epochs, mini_batch_size=batch_size,
                   optimizer="sgd", optimizer_param=Dict("lr" => lr), verbose=false, rng=rng)
end

"""Train one net with SGD(lr) and L2 decay; returns (val_acc_list, train_acc_list)."""
function train_trial(x_train, t_train, x_val, t_val, lr::Real, weight_decay::Real, epochs::Integer=SEARCH_EPOCHS;
                     hidden=SEARCH_HIDDEN, rng::NumpyRandom.RandomState=NumpyRandom.global_state())
    tr = trial_trainer(x_train, t_train, x_val, t_val, lr, weight_decay, epochs, hidden, SEARCH_BATCH_SIZE, rng)
    train!(tr)
    return tr.test_acc_list, tr.train_acc_list
end

# One trial; also returns its Trainer (for the loss list).
function _run_trial(number::Integer, x_train, t_train, x_val, t_val, epochs::Integer;
                    hidden, batch_size::Integer, rng::NumpyRandom.RandomState, stop_on_divergence::Bool)
    epochs = check_positive_int("epochs", epochs)
    batch_size = check_positive_int("batch_size", batch_size)
    weight_decay, lr = sample_hyperparameters(rng)
    tr = trial_trainer(x_train, t_train, x_val, t_val, lr, weight_decay, epochs, hidden, batch_size, rng)
    reason = nothing
    for _ in 1:tr.max_iter
        l = train_step!(tr)
        if reason === nothing && !isfinite(l)
            reason = divergence_reason(tr.train_loss_list, tr.iter_per_epoch)
            stop_on_divergence && break
        end
    end
    return Trial(Int(number), lr, weight_decay, tr.test_acc_list, tr.train_acc_list, reason), tr
end

"""
    run_trial(number, x_train, t_train, x_val, t_val, epochs=50; hidden, batch_size=100, rng,
              stop_on_divergence=false) -> Trial

One trial of the search (twin of pyref.search.run_trial): draw weight decay, then lr,
then train as `train_trial` does, watching the training loss. A trial whose loss
becomes NaN or inf gets a `fail_reason`; with `stop_on_divergence` it stops there.
"""
function run_trial(number::Integer, x_train, t_train, x_val, t_val, epochs::Integer=SEARCH_EPOCHS;
                   hidden=SEARCH_HIDDEN, batch_size::Integer=SEARCH_BATCH_SIZE,
                   rng::NumpyRandom.RandomState=NumpyRandom.global_state(), stop_on_divergence::Bool=false)
    return _run_trial(number, x_train, t_train, x_val, t_val, epochs; hidden=hidden, batch_size=batch_size,
                      rng=rng, stop_on_divergence=stop_on_divergence)[1]
end

"""
    search_trial(x_train, t_train, x_val, t_val; index, epochs, hidden, batch_size,
                 stop_on_divergence=false, seed=nothing, rng_state=nothing)
        -> Dict{String,Any}

Trial `index` of a `pyref search` study, trained in PyRef (called from Python by
pyref.study through the bridge, so flags may come as 0/1 and `hidden` as an
integer array). The stream it draws from is either

- per-trial: `seed` given, `RandomState(trial_seed(seed, index))`; or
- textbook: the book's single stream, passed in as `rng_state` (the dict of
  `NumpyRandom.rng_state`, or pyref.rng.rng_state).

It draws weight decay, lr, the initial weights and the minibatches from it
(`run_trial`) and returns "lr", "weight_decay", "val_acc_list", "train_acc_list",
"train_loss_list", and the stream's state afterwards as "rng_state" (textbook mode
continues from it).
"""
function search_trial(x_train::AbstractMatrix, t_train::AbstractArray, x_val::AbstractMatrix, t_val::AbstractArray;
                      index::Integer, epochs::Integer=SEARCH_EPOCHS, hidden=SEARCH_HIDDEN,
                      batch_size::Integer=SEARCH_BATCH_SIZE, stop_on_divergence::Integer=false,
                      seed::Union{Nothing,Integer}=nothing, rng_state::Union{Nothing,AbstractDict}=nothing)
    if seed !== nothing
        rng_state === nothing || throw(ArgumentError("give either seed (per-trial stream) or rng_state (textbook stream), not both"))
        rng = NumpyRandom.RandomState(trial_seed(seed, index))
    else
        rng_state === nothing && throw(ArgumentError("give seed (per-trial stream) or rng_state (textbook stream)"))
        rng = NumpyRandom.set_rng_state!(NumpyRandom.RandomState(0), rng_state)
    end
    trial, tr = _run_trial(index, x_train, t_train, x_val, t_val, epochs; hidden=hidden, batch_size=batch_size,
                           rng=rng, stop_on_divergence=Bool(stop_on_divergence))
    return Dict{String,Any}("number" => trial.number, "lr" => trial.lr, "weight_decay" => trial.weight_decay,
        "val_acc_list" => trial.val_acc_list, "train_acc_list" => trial.train_acc_list,
        "train_loss_list" => tr.train_loss_list, "rng_state" => NumpyRandom.rng_state(rng))
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

to_dict(tr::Trial) = Dict{String,Any}("number" => tr.number, "lr" => tr.lr, "weight_decay" => tr.weight_decay,
    "val_acc_list" => tr.val_acc_list, "train_acc_list" => tr.train_acc_list,
    "final_val_acc" => final_val_acc(tr),
    "final_train_acc" => isempty(tr.train_acc_list) ? nothing : tr.train_acc_list[end],
    "fail_reason" => tr.fail_reason)

export Trial, sample_hyperparameters, train_trial, trial_seed, run_trial, search_trial, random_search, best_n

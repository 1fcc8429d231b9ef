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

"""One trial: its hyperparameters and per-epoch accuracy curves."""
struct Trial
    number::Int
    lr::Float64
    weight_decay::Float64
    val_acc_list::Vector{Float64}
    train_acc_list::Vector{Float64}
end
final_val_acc(tr::Trial) = isempty(tr.val_acc_list) ? NaN : tr.val_acc_list[end]

"""(weight_decay, lr) in the book's order: weight decay first; 10^u is the C pow, as numpy's."""
function sample_hyperparameters(rng::NumpyRandom.RandomState=NumpyRandom.global_state())
    weight_decay = c_pow(10.0, NumpyRandom.uniform(rng, WEIGHT_DECAY_LOG10_RANGE...))
    lr = c_pow(10.0, NumpyRandom.uniform(rng, LR_LOG10_RANGE...))
    return weight_decay, lr
end

"""Train one net with SGD(lr) and L2 decay; returns (val_acc_list, train_acc_list)."""
function train_trial(x_train, t_train, x_val, t_val, lr::Real, weight_decay::Real, epochs::Integer=SEARCH_EPOCHS;
                     hidden=SEARCH_HIDDEN, rng::NumpyRandom.RandomState=NumpyRandom.global_state())
    net = MultiLayerNet(size(x_train, 2), collect(hidden), 10; weight_decay_lambda=weight_decay, rng=rng)
    tr = Trainer(net, x_train, t_train, x_val, t_val; epochs=epochs, mini_batch_size=SEARCH_BATCH_SIZE,
                 optimizer="sgd", optimizer_param=Dict("lr" => lr), verbose=false, rng=rng)
    train!(tr)
    return tr.test_acc_list, tr.train_acc_list
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
        weight_decay, lr = sample_hyperparameters(rng)
        val, train = train_trial(x_train, t_train, x_val, t_val, lr, weight_decay, epochs; hidden=hidden, rng=rng)
        push!(results, Trial(number, lr, weight_decay, val, train))
        on_trial === nothing || on_trial(results[end])
    end
    return results
end

"""The `n` best trials by final validation accuracy; ties keep trial order (stable sort)."""
function best_n(trials::Vector{Trial}, n::Integer=BEST_N)
    n = check_positive_int("n", n)
    order = sortperm(map(final_val_acc, trials); rev=true, alg=MergeSort)
    return trials[order[1:min(n, length(order))]]
end

trial_dict(tr::Trial) = Dict{String,Any}("number" => tr.number, "lr" => tr.lr, "weight_decay" => tr.weight_decay,
    "val_acc_list" => tr.val_acc_list, "train_acc_list" => tr.train_acc_list,
    "final_val_acc" => final_val_acc(tr),
    "final_train_acc" => isempty(tr.train_acc_list) ? nothing : tr.train_acc_list[end])

export Trial, sample_hyperparameters, train_trial, random_search, best_n

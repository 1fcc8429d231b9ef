# CS231n assignment 2's FullyConnectedNets notebook runs as functions returning their
# data (twin of pyref/experiments/cs231n.py): same names, defaults and draw order, on
# PyRef.CS231n; results are Dicts with Python's keys.

const PIXEL_SCALE = 255.0
const VALIDATION = 1000
const LEARNING_RATES = Dict{String,Float64}("sgd" => 5e-3, "sgd_momentum" => 5e-3, "rmsprop" => 1e-4, "adam" => 1e-3)
const RULES_TRAIN = 4000
const RULES_HIDDEN_DIMS = (100, 100, 100, 100, 100)
const RULES_WEIGHT_SCALE = 5e-2
const RULES_EPOCHS = 5
const RULES_BATCH = 100
const OVERFIT_TRAIN = 50
const OVERFIT_HIDDEN_DIMS = (100, 100)
const OVERFIT_WEIGHT_SCALE = 3e-2
const OVERFIT_LR = 5e-3
const OVERFIT_EPOCHS = 20
const OVERFIT_BATCH = 25

"""The Solver's data: the first `num_train` training and `num_val` test images, pixels
times 255 less the mean training image (numpy's `mean(axis=0)`: `sum_rows` ./ n)."""
function small_data(data, num_train, num_val)
    (x_train, t_train), (x_test, t_test) = data
    for (name, x, t) in (("x_train", x_train, t_train), ("x_test", x_test, t_test))
        (ndims(x) == 2 && t isa AbstractVector && length(t) == size(x, 1)) ||
            throw(ArgumentError("$name must be rows of pixels (N, D) with N labels: load_mnist(flatten=True)"))
    end
    num_train = check_positive_int("num_train", num_train)
    num_val = check_positive_int("num_val", num_val)
    num_train <= size(x_train, 1) ||
        throw(ArgumentError("num_train=$num_train but the data has $(size(x_train, 1)) training images"))
    num_val <= size(x_test, 1) ||
        throw(ArgumentError("num_val=$num_val but the data has $(size(x_test, 1)) test images"))
    X_train = Float64.(x_train[1:num_train, :]) .* PIXEL_SCALE
    X_val = Float64.(x_test[1:num_val, :]) .* PIXEL_SCALE
    mean_image = sum_rows(X_train) ./ num_train
    return Dict{String,Any}("X_train" => X_train .- mean_image', "y_train" => Int64.(t_train[1:num_train]),
                            "X_val" => X_val .- mean_image', "y_val" => Int64.(t_test[1:num_val]))
end

"""The assignment draws from numpy's global stream: start it from `rng`'s state."""
function _global_stream(rng::NumpyRandom.RandomState)
    g = NumpyRandom.global_state()
    rng === g || NumpyRandom.set_rng_state!(g, NumpyRandom.rng_state(rng))
    return nothing
end

"""One Solver run of a new FullyConnectedNet; its histories."""
function _train(data, hidden_dims, weight_scale, update_rule, learning_rate, num_epochs, batch_size)
    model = CS231n.FullyConnectedNet(collect(Int, hidden_dims); input_dim=size(data["X_train"], 2),
                                     weight_scale=weight_scale, dtype=Float64)
    solver = CS231n.Solver(model, data; update_rule=update_rule,
                           optim_config=Dict{String,Any}("learning_rate" => learning_rate),
                           num_epochs=num_epochs, batch_size=batch_size, verbose=false)
    CS231n.train!(solver)
    return Dict{String,Any}("learning_rate" => learning_rate, "loss_history" => Float64.(solver.loss_history),
                            "train_acc_history" => Float64.(solver.train_acc_history),
                            "val_acc_history" => Float64.(solver.val_acc_history))
end

"""FullyConnectedNets.ipynb's update rules compared: a new net trained by each rule in
turn, at its learning rate in `LEARNING_RATES`."""
function cs231n_update_rules(data; rules=CS231n.UPDATE_RULES, num_train::Integer=RULES_TRAIN,
                             num_val::Integer=VALIDATION, hidden_dims=RULES_HIDDEN_DIMS, num_epochs::Integer=RULES_EPOCHS,
                             batch_size::Integer=RULES_BATCH, rng::NumpyRandom.RandomState=_global_rng())
    for rule in rules
        haskey(LEARNING_RATES, rule) ||
            throw(ArgumentError("rules: unknown update rule $(repr(rule)); choose from $(join(CS231n.UPDATE_RULES, ", "))"))
    end
    small = small_data(data, num_train, num_val)
    _global_stream(rng)
    runs = Dict{String,Any}()
    for rule in rules
        runs[rule] = _train(small, hidden_dims, RULES_WEIGHT_SCALE, rule, LEARNING_RATES[rule], num_epochs, batch_size)
    end
    return Dict{String,Any}("rules" => runs, "num_train" => num_train, "num_epochs" => num_epochs)
end

"""FullyConnectedNets.ipynb's overfit: a net trained with sgd on `num_train` images until
it knows them all."""
function cs231n_overfit(data; num_train::Integer=OVERFIT_TRAIN, num_val::Integer=VALIDATION, hidden_dims=OVERFIT_HIDDEN_DIMS,
                        weight_scale::Real=OVERFIT_WEIGHT_SCALE, learning_rate::Real=OVERFIT_LR,
                        num_epochs::Integer=OVERFIT_EPOCHS, batch_size::Integer=OVERFIT_BATCH,
                        rng::NumpyRandom.RandomState=_global_rng())
    small = small_data(data, num_train, num_val)
    _global_stream(rng)
    run = _train(small, hidden_dims, weight_scale, "sgd", learning_rate, num_epochs, batch_size)
    return merge(run, Dict{String,Any}("final_train_acc" => run["train_acc_history"][end],
                                       "final_val_acc" => run["val_acc_history"][end], "num_train" => num_train,
                                       "weight_scale" => weight_scale, "num_epochs" => num_epochs))
end

export cs231n_update_rules, cs231n_overfit

# study/trial.jl: a trial trained call by call, as `pyref search --engine julia` trains
# one so that a pruner can stop it, is run_trial's trial, draw for draw (the Python
# engine's equality with it on richer spaces is tested in tests/study/).
using Test
using PyRef

eref(name) = (a = read_npy(joinpath(VECTORS_DIR, "search_$name.npy")); ndims(a) == 0 ? a[] : a)
const EPOCH_DATA = (eref("x_train"), eref("t_train"), eref("x_val"), eref("t_val"))

# The trial's stream after its weight decay and lr were drawn, as NumpyRandom.rng_state's dict.
function drawn_stream(seed, index)
    rng = NumpyRandom.RandomState(trial_seed(seed, index))
    weight_decay, lr = sample_hyperparameters(rng)
    return weight_decay, lr, (rng_state=NumpyRandom.rng_state(rng),)
end

const EPOCH_KW = (epochs=15, hidden=[12, 10], batch_size=16, optimizer="sgd", dropout_ratio=0.0,
                  use_batchnorm=0, stop_on_divergence=1)

@testset "call by call is run_trial's trial" begin
    weight_decay, lr, stream = drawn_stream(7, 3)
    rng = NumpyRandom.RandomState(trial_seed(7, 3))
    whole = run_trial(3, EPOCH_DATA..., 15; hidden=[12, 10], batch_size=16, rng=rng, stop_on_divergence=true)
    h = start_trial(EPOCH_DATA...; lr=lr, weight_decay=weight_decay, stream..., EPOCH_KW...)
    measured = Int[]
    while true
        step = train_to_next_measurement!(h)
        push!(measured, step["measured"])
        step["done"] == 1 && break
    end
    # one call per epoch's measurement, then one for the rest of the last epoch
    @test measured == [collect(1:15); 15]
    out = finish_trial(h)
    @test out["val_acc_list"] == whole.val_acc_list
    @test out["train_acc_list"] == whole.train_acc_list
    @test out["rng_state"] == NumpyRandom.rng_state(rng)
    @test_throws ArgumentError train_to_next_measurement!(h)  # finished: forgotten
    # the same trial trained in this process, without a handle
    rng = NumpyRandom.RandomState(trial_seed(7, 3))
    sample_hyperparameters(rng)
    tr = trial_trainer(EPOCH_DATA...; epochs=15, hidden=[12, 10], batch_size=16, optimizer="sgd", lr=lr,
                       weight_decay=weight_decay, dropout_ratio=0.0, use_batchnorm=false, rng=rng)
    run = TrialRun(tr, rng)
    @test train_trial(() -> train_to_next_measurement!(run)) === nothing
    @test finish_trial(run)["train_loss_list"] == out["train_loss_list"]
end

@testset "train_trial prunes where on_epoch says so" begin
    weight_decay, lr, stream = drawn_stream(7, 0)
    h = start_trial(EPOCH_DATA...; lr=lr, weight_decay=weight_decay, stream..., EPOCH_KW...)
    seen = Tuple{Int,Float64,Float64}[]
    pruned = train_trial(() -> train_to_next_measurement!(h), (e, v, t) -> (push!(seen, (e, v, t)); e == 4))
    out = finish_trial(h)
    @test pruned == 4 && first.(seen) == 1:4
    @test [s[2] for s in seen] == out["val_acc_list"] && [s[3] for s in seen] == out["train_acc_list"]
end

@testset "a trial stopped after 3 measurements has trained 2 epochs and a step" begin
    weight_decay, lr, stream = drawn_stream(7, 0)
    h = start_trial(EPOCH_DATA...; lr=lr, weight_decay=weight_decay, stream..., EPOCH_KW...)
    for _ in 1:3
        train_to_next_measurement!(h)
    end
    out = finish_trial(h)
    @test length(out["val_acc_list"]) == 3
    steps_per_epoch = size(EPOCH_DATA[1], 1) / 16
    @test length(out["train_loss_list"]) == floor(Int, 2 * steps_per_epoch) + 1
end

@testset "start_trial checks its settings" begin
    _, _, stream = drawn_stream(7, 0)
    kw = (lr=0.01, weight_decay=0.0, stream..., EPOCH_KW...)
    @test_throws ArgumentError start_trial(EPOCH_DATA...; kw..., lr=0.0)
    @test_throws ArgumentError start_trial(EPOCH_DATA...; kw..., weight_decay=-1.0)
    @test_throws ArgumentError start_trial(EPOCH_DATA...; kw..., dropout_ratio=1.0)
    @test_throws ArgumentError start_trial(EPOCH_DATA...; kw..., epochs=0)
    @test_throws ArgumentError start_trial(EPOCH_DATA...; kw..., optimizer="adamw")
    # a damaged stream state
    state = stream.rng_state
    @test_throws ArgumentError start_trial(EPOCH_DATA...; kw..., rng_state=delete!(copy(state), "pos"))
    @test_throws ArgumentError start_trial(EPOCH_DATA...; kw..., rng_state=merge(state, Dict("has_gauss" => 2)))
    @test_throws ArgumentError start_trial(EPOCH_DATA...; kw..., rng_state=merge(state, Dict("key" => zeros(Int, 623))))
end

@testset "a trial's net is bounded before it is built" begin
    @test check_trial_net(784, [100, 100, 100, 100, 100, 100]) == 784 * 100 + 100 + 5 * (100 * 100 + 100) + 100 * 10 + 10
    @test check_trial_net(784, fill(1, PyRef.MAX_HIDDEN_LAYERS)) > 0
    err = try check_trial_net(784, [100_000, 100_000]) catch e e end
    @test err isa ArgumentError && occursin("784-100000x2-10 has 10,079,600,010 weights", err.msg)
    @test_throws ArgumentError check_trial_net(784, fill(1, PyRef.MAX_HIDDEN_LAYERS + 1))
    @test_throws ArgumentError check_trial_net(784, Int[])
    @test_throws ArgumentError check_trial_net(784, [10, 0])
    @test_throws ArgumentError check_trial_net(784, [typemax(Int) ÷ 2, typemax(Int) ÷ 2])  # no overflow
    _, _, stream = drawn_stream(7, 0)
    kw = (lr=0.01, weight_decay=0.0, stream..., EPOCH_KW...)
    @test_throws ArgumentError start_trial(EPOCH_DATA...; kw..., hidden=[1_000_000, 1_000_000])
end

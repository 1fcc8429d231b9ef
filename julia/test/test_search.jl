# PyRef.run_trial and the Julia engine's trial (start_trial, train_to_next_measurement!,
# finish_trial) against pyref's run_trial on the same inputs (written by
# pyref.parity.numpy_vectors.write_search_trials): sampled hyperparameters and stream states
# bit-identical, accuracies equal, losses within the trajectory tier (1e-9); and the
# book's random_search on the components' data (shared.jl's ref).
using Test
using PyRef

sref(name) = (a = read_npy(joinpath(VECTORS_DIR, "search_$name.npy")); ndims(a) == 0 ? a[] : a)

const SEARCH_DATA = (sref("x_train"), sref("t_train"), sref("x_val"), sref("t_val"))

# A trial as `pyref search --engine julia` trains it: weight decay and lr drawn from
# `rng`, then the net and Trainer on the stream in that state, call by call.
function engine_trial(rng::NumpyRandom.RandomState, data=SEARCH_DATA; stop_on_divergence::Bool=false)
    weight_decay, lr = sample_hyperparameters(rng)
    h = start_trial(data...; epochs=15, hidden=[12, 10], batch_size=16, optimizer="sgd", lr=lr,
                    weight_decay=weight_decay, dropout_ratio=0.0, use_batchnorm=0,
                    stop_on_divergence=Int(stop_on_divergence), rng_state=NumpyRandom.rng_state(rng))
    train_trial(() -> train_to_next_measurement!(h))
    return merge(finish_trial(h), Dict{String,Any}("lr" => lr, "weight_decay" => weight_decay))
end

function check_like_pyref(out::Dict, name::AbstractString)
    hp = sref("$(name)_hp")
    @test out["weight_decay"] === hp[1] && out["lr"] === hp[2]
    acc = sref("$(name)_acc")
    @test out["val_acc_list"] == acc[1, :]
    @test out["train_acc_list"] == acc[2, :]
    loss = sref("$(name)_loss")
    @test length(out["train_loss_list"]) == length(loss)
    @test maximum(abs.(out["train_loss_list"] .- loss)) < 1e-9
end

# pyref's stream states, saved flat with the test vectors, as the dict of NumpyRandom.rng_state.
ref_state(name) = (k = sref("$(name)_key"); r = sref("$(name)_rest");
                   Dict{String,Any}("key" => k, "pos" => Int(r[1]), "has_gauss" => Int(r[2]), "cached_gaussian" => r[3]))

@testset "trial seeds are pyref's" begin
    @test [trial_seed(s, i) for (s, i) in ((0, 0), (7, 3), (2^32 - 1, 10), (123, 10^6))] == sref("trial_seeds")
    @test_throws ArgumentError trial_seed(-1, 0)
    @test_throws ArgumentError trial_seed(0, -1)
end

@testset "per-trial stream: trial i from trial_seed(seed, i)" begin
    index = Int(sref("per_trial_index"))
    rng = NumpyRandom.RandomState(trial_seed(7, index))
    out = engine_trial(rng)
    check_like_pyref(out, "per_trial")
    # the book's run_trial is the same trial, and leaves the stream in the same state
    rng = NumpyRandom.RandomState(trial_seed(7, index))
    tr = run_trial(index, SEARCH_DATA..., 15; hidden=[12, 10], batch_size=16, rng=rng)
    @test tr.number == index && (tr.weight_decay, tr.lr) === (out["weight_decay"], out["lr"])
    @test tr.val_acc_list == out["val_acc_list"] && tr.train_acc_list == out["train_acc_list"]
    @test tr.fail_reason === nothing
    @test out["rng_state"] == NumpyRandom.rng_state(rng)  # the trial's stream after it
end

@testset "textbook stream: state in, trial, state out" begin
    state = ref_state("textbook_state0")
    for i in 0:1
        out = engine_trial(NumpyRandom.set_rng_state!(NumpyRandom.RandomState(0), state))
        check_like_pyref(out, "textbook_$i")
        after = ref_state("textbook_state$(i + 1)")
        @test out["rng_state"]["key"] == after["key"]
        @test all(out["rng_state"][k] === after[k] for k in ("pos", "has_gauss", "cached_gaussian"))
        state = out["rng_state"]
    end
end

@testset "a diverging trial stops with pyref's reason" begin
    x_tr, t_tr, x_val, t_val = SEARCH_DATA
    big = Float64.(x_tr) .* 1e300
    out = engine_trial(NumpyRandom.RandomState(trial_seed(7, 0)), (big, t_tr, x_val, t_val); stop_on_divergence=true)
    @test length(out["train_loss_list"]) == 1 && !isfinite(out["train_loss_list"][1])
    @test out["val_acc_list"] == sref("diverged_acc")[1, :]
    tr = run_trial(0, big, t_tr, x_val, t_val, 15; hidden=[12, 10], batch_size=16,
                   rng=NumpyRandom.RandomState(trial_seed(7, 0)), stop_on_divergence=true)
    @test tr.fail_reason == read(joinpath(VECTORS_DIR, "search_diverged_reason.txt"), String)
    @test tr.val_acc_list == out["val_acc_list"]
    @test PyRef.divergence_reason([1.0, 2.0], 1.0) === nothing
    @test_throws ArgumentError run_trial(0, SEARCH_DATA..., 0; hidden=[12, 10], batch_size=16)
end

@testset "random_search follows pyref's draws" begin
    xs, ts = ref("xs"), ref("ts")
    found = random_search(xs, ts; trials=3, epochs=2, hidden=[5, 5], rng=NumpyRandom.RandomState(5))
    hp = ref("search_hp")
    @test all(found[i].weight_decay === hp[i, 1] && found[i].lr === hp[i, 2] for i in 1:3)
    @test all(found[i].val_acc_list == ref("search_val")[i, :] for i in 1:3)
end

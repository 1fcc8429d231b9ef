# experiments/: each experiment runs on small data, and the naive one matches pyref exactly.
using Test
using PyRef

@testset "experiments run and the naive one matches pyref exactly" begin
    r = optimizer_compare_naive()
    @test length(r["paths"]["SGD"]["x"]) == 30 && r["paths"]["SGD"]["x"][1] == -7.0
    xs, ts = ref("xs"), ref("ts")
    data = ((xs, ts), (xs[1:20, :], ts[1:20]))
    @test length(optimizer_compare_mnist(data; iterations=3, batch_size=8, hidden=[5])["train_loss"]["Adam"]) == 3
    @test length(batch_norm_test(data; train_samples=40, max_epochs=2, scales=2, hidden=[5])["bn_train_acc"]) == 2
    @test length(overfit_dropout(data; train_samples=30, epochs=2, hidden=[5])["variants"]["dropout"]["train_acc"]) == 2
    @test length(gradient_vanishing(data; epochs=1)["configs"]) == 3
    @test length(hyperparameter_optimization(data; train_samples=50, trials=2, epochs=1)["trials"]) == 2
end

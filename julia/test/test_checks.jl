# checks.jl, function by function (twin of tests/test_checks.py): a good value passes
# and comes back as it should be used, each bad one throws ArgumentError (or
# DimensionMismatch) naming the argument; the checks on the hot path see every bad value.
using Test
using PyRef

@testset "all_finite sees every NaN and Inf" begin
    for T in (Float64, Float32, Float16)
        x = rand(T, 37, 53)
        @test PyRef.all_finite(x)
        for bad in (T(NaN), T(Inf), T(-Inf)), pos in (1, 17, 1000, length(x))
            y = copy(x)
            y[pos] = bad
            @test !PyRef.all_finite(y)
            @test_throws ArgumentError PyRef.check_array("x", y)
        end
    end
    @test PyRef.all_finite(Float64[]) && PyRef.all_finite(fill(floatmax(Float64), 3)) && PyRef.all_finite([-0.0, 5e-324])
    @test !PyRef.all_finite(transpose([1.0 NaN; 2.0 3.0])) && PyRef.all_finite(transpose([1.0 2.0]))
end

@testset "check_array: dimensions and finiteness, as pyref's" begin
    @test PyRef.check_array("x", zeros(2, 3); ndim=2) == zeros(2, 3)
    @test PyRef.check_array("x", zeros(2); ndim=(1, 2)) == zeros(2)
    @test_throws ArgumentError PyRef.check_array("x", zeros(2, 3, 4); ndim=(1, 2))
    @test isnan(PyRef.check_array("x", [NaN]; finite=false)[1])
    @test_throws ArgumentError PyRef.check_array("x", [NaN])
end

@testset "check_real, check_positive, check_nonnegative: finite Float64s" begin
    for (value, expected) in ((0, 0.0), (-2, -2.0), (1.5, 1.5), (0.25f0, 0.25), (Int8(3), 3.0), (-1e300, -1e300),
                              (5e-324, 5e-324), (1//4, 0.25), (big"0.5", 0.5))
        @test PyRef.check_real("lr", value) === expected
    end
    @test thrown(() -> PyRef.check_real("lr", true), ArgumentError) == "lr must be a real number, not Bool"
    @test thrown(() -> PyRef.check_real("lr", "0.1"), ArgumentError) == "lr must be a real number, not String"
    @test thrown(() -> PyRef.check_real("lr", nothing), ArgumentError) == "lr must be a real number, not Nothing"
    @test thrown(() -> PyRef.check_real("lr", 1im), ArgumentError) == "lr must be a real number, not Complex{Int64}"
    @test thrown(() -> PyRef.check_real("lr", [0.1]), ArgumentError) == "lr must be a real number, not $(typeof([0.1]))"
    @test thrown(() -> PyRef.check_real("lr", NaN), ArgumentError) == "lr must be finite, got NaN"
    @test thrown(() -> PyRef.check_real("lr", -Inf), ArgumentError) == "lr must be finite, got -Inf"
    @test thrown(() -> PyRef.check_real("lr", Inf32), ArgumentError) == "lr must be finite, got Inf"

    @test PyRef.check_positive("eps", 1e-8) === 1e-8 && PyRef.check_positive("eps", 5e-324) === 5e-324
    @test PyRef.check_positive("eps", 2) === 2.0
    @test thrown(() -> PyRef.check_positive("eps", 0), ArgumentError) == "eps must be > 0, got 0"
    @test thrown(() -> PyRef.check_positive("eps", -0.0), ArgumentError) == "eps must be > 0, got -0.0"
    @test thrown(() -> PyRef.check_positive("eps", -1), ArgumentError) == "eps must be > 0, got -1"
    @test startswith(thrown(() -> PyRef.check_positive("eps", Inf), ArgumentError), "eps must be finite")
    @test thrown(() -> PyRef.check_positive("eps", "1"), ArgumentError) == "eps must be a real number, not String"

    @test PyRef.check_nonnegative("weight_decay_lambda", 0) === 0.0
    @test PyRef.check_nonnegative("weight_decay_lambda", 0.1) === 0.1
    @test thrown(() -> PyRef.check_nonnegative("weight_decay_lambda", -1e-9), ArgumentError) ==
          "weight_decay_lambda must be >= 0, got -1.0e-9"
    @test startswith(thrown(() -> PyRef.check_nonnegative("weight_decay_lambda", NaN), ArgumentError),
                     "weight_decay_lambda must be finite")
    @test thrown(() -> PyRef.check_nonnegative("weight_decay_lambda", false), ArgumentError) ==
          "weight_decay_lambda must be a real number, not Bool"
end

@testset "check_unit_interval: [0, 1), or (0, 1) with closed_low=false" begin
    for value in (0, 0.0, 0.5, 0.999999)
        @test PyRef.check_unit_interval("dropout_ratio", value) === Float64(value)
    end
    for value in (1, 1.0, -0.1, 2)
        @test thrown(() -> PyRef.check_unit_interval("dropout_ratio", value), ArgumentError) ==
              "dropout_ratio must be in [0, 1), got $value"
    end
    @test startswith(thrown(() -> PyRef.check_unit_interval("dropout_ratio", "0.5"), ArgumentError),
                     "dropout_ratio must be a real number")
    @test PyRef.check_unit_interval("momentum", 0.9; closed_low=false) === 0.9
    @test PyRef.check_unit_interval("momentum", 1e-300; closed_low=false) === 1e-300
    for value in (0, 0.0, 1.0, -0.5)
        @test thrown(() -> PyRef.check_unit_interval("momentum", value; closed_low=false), ArgumentError) ==
              "momentum must be in (0, 1), got $value"
    end
end

@testset "check_positive_int, check_nonnegative_int: Ints" begin
    for value in (1, 100, Int32(7), UInt8(255), big(3))
        @test PyRef.check_positive_int("epochs", value) === Int(value)
    end
    @test thrown(() -> PyRef.check_positive_int("epochs", 0), ArgumentError) == "epochs must be >= 1, got 0"
    @test thrown(() -> PyRef.check_positive_int("epochs", -5), ArgumentError) == "epochs must be >= 1, got -5"
    for (value, kind) in ((true, "Bool"), (2.0, "Float64"), ("3", "String"), (nothing, "Nothing"))
        @test thrown(() -> PyRef.check_positive_int("epochs", value), ArgumentError) == "epochs must be an integer, not $kind"
    end
    for value in (0, 3, Int64(0))
        @test PyRef.check_nonnegative_int("pad", value) === Int(value)
    end
    @test thrown(() -> PyRef.check_nonnegative_int("pad", -1), ArgumentError) == "pad must be >= 0, got -1"
    @test thrown(() -> PyRef.check_nonnegative_int("pad", false), ArgumentError) == "pad must be an integer, not Bool"
    @test thrown(() -> PyRef.check_nonnegative_int("pad", 1.0), ArgumentError) == "pad must be an integer, not Float64"
end

@testset "check_array's messages, and arrays it returns as they are" begin
    for x in (zeros(2, 3), UInt8[0, 1, 2], trues(3), zeros(Float32, 2, 1, 3, 3))
        @test PyRef.check_array("x", x) === x
    end
    x = zeros(2, 3)
    @test PyRef.check_array("x", x; ndim=2) === x && PyRef.check_array("x", x; ndim=(1, 2)) === x
    @test size(PyRef.check_array("x", [NaN, Inf]; finite=false)) == (2,)
    big = fill(floatmax(Float64), 4)
    @test PyRef.check_array("x", big) === big
    @test thrown(() -> PyRef.check_array("x", zeros(3); ndim=2), ArgumentError) == "x must have 2 dimensions, got size (3,)"
    @test thrown(() -> PyRef.check_array("x", zeros(1, 2, 3); ndim=(1, 2)), ArgumentError) ==
          "x must have 1 or 2 dimensions, got size (1, 2, 3)"
    @test thrown(() -> PyRef.check_array("x", [1.0, NaN]), ArgumentError) == "x contains NaN or infinite values"
    @test thrown(() -> PyRef.check_array("x", reshape([1.0, -Inf], 2, 1)), ArgumentError) == "x contains NaN or infinite values"
    @test_throws MethodError PyRef.check_array("x", 3.0)   # not an array: no method
end

@testset "check_flag: true or false only" begin
    @test PyRef.check_flag("use_batchnorm", true) === true && PyRef.check_flag("use_batchnorm", false) === false
    for (value, shown) in ((1, "Int64 1"), (0, "Int64 0"), ("false", "String \"false\""), (nothing, "Nothing nothing"))
        @test thrown(() -> PyRef.check_flag("use_batchnorm", value), ArgumentError) ==
              "use_batchnorm must be true or false, not $shown"
    end
end

@testset "check_batch: at least one sample" begin
    x = zeros(1, 4)
    @test PyRef.check_batch("x", x) === x
    images = zeros(2, 1, 5, 5)
    @test PyRef.check_batch("x", images) === images
    @test size(PyRef.check_batch("x", fill(NaN, 2, 2))) == (2, 2)
    @test thrown(() -> PyRef.check_batch("x", zeros(0, 4)), ArgumentError) == "x has no samples (an empty batch, size (0, 4))"
end

@testset "check_one_hot and check_labels" begin
    t = [0 1 0; 1 0 0]
    @test PyRef.check_one_hot("t", t) === t
    floats = Float64.(t)
    @test PyRef.check_one_hot("t", floats) === floats
    for bad in ([0 1 1; 1 0 0], [0 0 0; 1 0 0], [0 0.5 0.5; 1 0 0], [2 -1 0; 1 0 0])
        @test thrown(() -> PyRef.check_one_hot("t", bad), ArgumentError) == "t must be one-hot rows (entries 0 or 1, one 1 per row)"
    end
    labels = UInt8[0, 9, 3]
    @test PyRef.check_labels("t", labels, 3, 10) === labels
    one_hot = [0.0 1.0 0.0 0.0; 0.0 0.0 0.0 1.0]
    @test PyRef.check_labels("t", one_hot, 2, 4) === one_hot
    @test isempty(PyRef.check_labels("t", Int64[], 0, 10))
    @test thrown(() -> PyRef.check_labels("t", [0, 1], 3, 10), DimensionMismatch) == "t has 2 labels for 3 samples"
    @test thrown(() -> PyRef.check_labels("t", [0, 10], 2, 10), ArgumentError) == "t must be class indices in [0, 10), got 0..10"
    @test thrown(() -> PyRef.check_labels("t", [-1, 2], 2, 10), ArgumentError) == "t must be class indices in [0, 10), got -1..2"
    @test thrown(() -> PyRef.check_labels("t", [0.0, 1.0], 2, 10), ArgumentError) == "t must hold integer class labels, not Float64"
    @test thrown(() -> PyRef.check_labels("t", [1.0 0 0; 0 1 0; 0 0 1], 3, 4), DimensionMismatch) ==
          "t is one-hot with 3 columns, expected 4"
    @test startswith(thrown(() -> PyRef.check_labels("t", [0 1; 1 1], 2, 2), ArgumentError), "t must be one-hot rows")
    @test startswith(thrown(() -> PyRef.check_labels("t", zeros(2, 2, 2), 2, 2), ArgumentError),
                     "t must have 1 or 2 dimensions, got size")
end

@testset "check_choice: lower-cased, among the choices" begin
    choices = ("sgd", "momentum", "adam")
    @test PyRef.check_choice("optimizer", "adam", choices) == "adam"
    @test PyRef.check_choice("optimizer", "AdaM", choices) == "adam"
    @test PyRef.check_choice("optimizer", "SGD", collect(choices)) == "sgd"
    @test thrown(() -> PyRef.check_choice("optimizer", "adamw", choices), ArgumentError) ==
          "unknown optimizer \"adamw\"; choose from sgd, momentum, adam"
    @test startswith(thrown(() -> PyRef.check_choice("optimizer", " sgd", choices), ArgumentError), "unknown optimizer \" sgd\"")
    @test thrown(() -> PyRef.check_choice("optimizer", 1, choices), ArgumentError) == "optimizer must be a string, not Int64"
    @test thrown(() -> PyRef.check_choice("optimizer", nothing, choices), ArgumentError) == "optimizer must be a string, not Nothing"
end

# Argument checks that sit on the hot path must still see every bad value.
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

@testset "RowBatcher gathers rows exactly" begin
    x = rand(Float32, 50, 9)
    b = PyRef.RowBatcher(x)
    for idx in ([3, 3, 50, 1], collect(1:50), [7])
        xb = PyRef.batch!(b, idx)
        @test xb == Float64.(x[idx, :]) && eltype(xb) == Float64 && size(xb) == (length(idx), 9)
    end
    @test_throws BoundsError PyRef.batch!(b, [51])
    @test_throws BoundsError PyRef.batch!(b, [0])
    # the batch is float64 already: the layers use it as it is, without a copy
    xb = PyRef.batch!(b, [2, 4])
    @test PyRef._tofloat(xb) === xb
    @test PyRef._tofloat(transpose(Float32[1 2; 3 4])) == transpose([1.0 2.0; 3.0 4.0])
end

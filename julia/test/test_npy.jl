# .npy round trips, and files numpy wrote.
using Test
using PyRef

@testset "npy" begin
    dir = mktempdir()
    for A in (rand(3, 4), Float32[1 2; 3 4], Int64[1, -2, 3], UInt8[0 255], trues(2, 3), reshape(collect(1.0:24), 2, 3, 4), fill(2.5))
        p = joinpath(dir, "a.npy")
        write_npy(p, A)
        B = read_npy(p)
        @test size(B) == size(A) && eltype(B) == eltype(A) && B == A
    end
    @test_throws ArgumentError write_npy(joinpath(dir, "c.npy"), ComplexF64[1im])
    python = get(ENV, "PYTHON", "python3")
    script = """
import numpy as np
np.save('$dir/c.npy', np.arange(12.0).reshape(3, 4))
np.save('$dir/f.npy', np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3)))
b = np.load('$dir/fromjulia.npy', allow_pickle=False)
assert b.shape == (2, 3) and b[1, 2] == 12.0 and b[0, 1] == 2.0, b
"""
    write_npy(joinpath(dir, "fromjulia.npy"), [1.0 2.0 3.0; 10.0 11.0 12.0])
    run(`$python -c $script`)
    C = read_npy(joinpath(dir, "c.npy"))
    @test size(C) == (3, 4) && C[2, 3] == 6.0   # numpy c[1, 2]
    F = read_npy(joinpath(dir, "f.npy"))
    @test eltype(F) == Int32 && F[2, 3] == 5
end

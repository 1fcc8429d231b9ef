module NumpyRandom
end

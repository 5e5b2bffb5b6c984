# Prints Praat's pitch track of one excerpt, a frame per line: "time f0", time in seconds
# from the excerpt's start, f0 in Hz or "--undefined--" when unvoiced.
# Run by pitch-reference.py; the arguments are the file, the excerpt's start and end (s),
# and the To Pitch (ac) settings in Praat's order.
form Pitch reference
  sentence path
  real start
  real end
  real time_step
  real floor
  integer candidates
  real silence_threshold
  real voicing_threshold
  real octave_cost
  real octave_jump_cost
  real voiced_unvoiced_cost
  real ceiling
endform
Read from file: path$
Extract part: start, end, "rectangular", 1, "no"
To Pitch (ac): time_step, floor, candidates, "no", silence_threshold, voicing_threshold, octave_cost, octave_jump_cost, voiced_unvoiced_cost, ceiling
frames = Get number of frames
writeInfoLine: ""
for frame from 1 to frames
  time = Get time from frame number: frame
  f0 = Get value in frame: frame, "Hertz"
  appendInfoLine: fixed$(time, 6), " ", f0
endfor

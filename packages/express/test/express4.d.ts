// express4 is Express 4 installed under an npm alias for the tests; the suite drives it through the API both
// majors share, typed as Express 5's.
declare module 'express4' {
  import express from 'express';
  export default express;
}
